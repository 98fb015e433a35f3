import { Schema, type Connection, type Model } from 'mongoose';
import type { Document, Provenance, Revision, RevisionVerification } from '../domain/document.js';
import { insertWithEvents, outboxFields, type OutboxEntry } from '@jitsuin/store';

interface DocumentRecord extends Omit<Document, 'id'> {
  _id: string;
  outbox: OutboxEntry[];
  outboxPending: boolean;
  relayLeaseUntil: Date | null;
}

const revisionSchema = new Schema<Revision>(
  {
    id: String,
    parentId: String,
    sha256: String,
    size: Number,
    kind: String,
    madeBy: String,
    // Absent on revisions stored before it was recorded: @jitsuin/contract reads those from kind and madeBy.
    provenance: {
      type: new Schema<Provenance>({ purpose: String, partyId: String, sealId: String }, { _id: false }),
      default: undefined,
    },
    description: String,
    createdAt: Date,
    verification: {
      type: new Schema<RevisionVerification>(
        { indication: String, subIndication: String, signatureCount: Number, reportId: String, verifiedAt: Date },
        { _id: false },
      ),
      default: undefined,
    },
  },
  { _id: false },
);

const documentSchema = new Schema<DocumentRecord>(
  {
    _id: String,
    tenantId: { type: String, required: true },
    contractId: String,
    filename: String,
    revisions: [revisionSchema],
    headRevisionId: String,
    createdAt: Date,
    version: Number,
    ...outboxFields,
  },
  { versionKey: false, minimize: true },
);

export type DocumentModel = Model<DocumentRecord>;

export function documentModel(connection: Connection): DocumentModel {
  return connection.model<DocumentRecord>('Document', documentSchema, 'documents');
}

function toDocument(record: DocumentRecord): Document {
  const { _id, outbox: _outbox, outboxPending: _pending, relayLeaseUntil: _lease, ...rest } = record;
  return { id: _id, ...rest };
}

export class DocumentRepository {
  constructor(private readonly model: DocumentModel) {}

  insert(document: Document, events: OutboxEntry[]): Promise<void> {
    return insertWithEvents(this.model.collection, document, events);
  }

  async find(tenantId: string, id: string): Promise<Document | undefined> {
    const record = await this.model.findOne({ _id: id, tenantId }).lean<DocumentRecord>();
    return record ? toDocument(record) : undefined;
  }

  /**
   * The tenant's documents of these ids (those that exist), in the order of `ids`. One lookup per
   * id: FerretDB on SQLite uses the index for `_id` equality but reads and parses the whole
   * collection for `_id: { $in }` (see the outbox relay).
   */
  async findMany(tenantId: string, ids: string[]): Promise<Document[]> {
    const found = await Promise.all([...new Set(ids)].map((id) => this.find(tenantId, id)));
    return found.filter((d): d is Document => d !== undefined);
  }

  /** Appends a revision if `parentId` is still the head. False when it no longer is. */
  async appendRevision(document: Document, revision: Revision, events: OutboxEntry[]): Promise<boolean> {
    const result = await this.model.collection.updateOne(
      { _id: document.id, headRevisionId: revision.parentId } as never,
      {
        $push: { revisions: revision, outbox: { $each: events } },
        $set: { headRevisionId: revision.id, outboxPending: true },
        $inc: { version: 1 },
      } as never,
    );
    return result.matchedCount === 1;
  }

  /**
   * Gives free documents to a contract. All or nothing: when one is taken already, the
   * ones given here are released and false is returned.
   */
  async attach(tenantId: string, ids: string[], contractId: string): Promise<boolean> {
    const result = await this.model.updateMany(
      { _id: { $in: ids }, tenantId, contractId: null },
      { $set: { contractId } },
    );
    if (result.modifiedCount === ids.length) return true;
    await this.detach(ids, contractId);
    return false;
  }

  async detach(ids: string[], contractId: string): Promise<void> {
    await this.model.updateMany({ _id: { $in: ids }, contractId }, { $unset: { contractId: 1 } });
  }

  /**
   * Records a verification verdict on a revision, unless it has one at least as recent.
   * FerretDB has no positional updates: the revision is addressed by its index, and the filter
   * checks the index still names it (revisions are only ever appended). False when the document
   * or revision is not there, or a newer verdict is.
   */
  async recordVerification(tenantId: string, documentId: string, revisionId: string, verification: RevisionVerification): Promise<boolean> {
    const document = await this.find(tenantId, documentId);
    const index = document?.revisions.findIndex((r) => r.id === revisionId) ?? -1;
    if (!document || index < 0) return false;
    const recorded = document.revisions[index]!.verification;
    if (recorded && recorded.verifiedAt.getTime() >= verification.verifiedAt.getTime()) return false;
    const result = await this.model.collection.updateOne(
      { _id: documentId, tenantId, [`revisions.${index}.id`]: revisionId } as never,
      { $set: { [`revisions.${index}.verification`]: verification } } as never,
    );
    return result.matchedCount === 1;
  }

  /** Whether any revision of any document still refers to this content. */
  async references(sha256: string): Promise<boolean> {
    return (await this.model.exists({ 'revisions.sha256': sha256 })) !== null;
  }
}
