import { randomUUID } from 'node:crypto';
import { checkProvenance } from '@jitsuin/contract';
import { failedPrecondition, invalidArgument, notFound } from '@jitsuin/errors';
import { checkId } from '../domain/contract.js';
import {
  checkFilename,
  checkPdfHead,
  checkPdfTail,
  type Document,
  type Provenance,
  type Revision,
  type RevisionKind,
} from '../domain/document.js';
import { outboxEntries } from '@jitsuin/store';
import { documentUploaded, revisionAdded } from '../events/payloads.js';
import type { BlobStore } from '../store/blobs.js';
import type { ContractRepository } from '../store/contracts.js';
import type { DocumentRepository } from '../store/documents.js';

export interface NewRevision {
  tenantId: string;
  documentId: string;
  parentRevisionId: string;
  kind: RevisionKind;
  madeBy: string;
  /** Who makes it and for what; absent from a writer that does not say (read from kind and madeBy). */
  provenance?: Provenance;
  description?: string;
}

const pdfChecks = {
  head: checkPdfHead,
  tail: (tail: Buffer) => checkPdfTail(tail),
};

/** Documents and their revision chains; the bytes live in the content-addressed blob store. */
export class Documents {
  constructor(
    private readonly documents: DocumentRepository,
    /** The contracts a revision's provenance is checked against. */
    private readonly contracts: ContractRepository,
    private readonly blobs: BlobStore,
    private readonly maxDocumentBytes: number,
    /** Called with the id of a record whose change and events were just written. */
    private readonly changed: (id: string) => void = () => {},
    private readonly now: () => Date = () => new Date(),
  ) {}

  async upload(
    tenantId: string,
    filename: string,
    chunks: AsyncIterable<Buffer>,
    signal: AbortSignal,
  ): Promise<Document> {
    checkId('tenant id', tenantId);
    const name = checkFilename(filename);
    const { blob, created } = await this.blobs.put(chunks, { maxBytes: this.maxDocumentBytes, ...pdfChecks }, signal);
    const now = this.now();
    const revision: Revision = {
      id: randomUUID(),
      sha256: blob.sha256,
      size: blob.size,
      kind: 'ORIGINAL',
      madeBy: 'upload',
      provenance: { purpose: 'ORIGINAL' },
      createdAt: now,
    };
    const document: Document = {
      id: randomUUID(),
      tenantId,
      filename: name,
      revisions: [revision],
      headRevisionId: revision.id,
      createdAt: now,
      version: 1,
    };
    try {
      await this.documents.insert(document, outboxEntries(tenantId, document.id, documentUploaded(document, revision)));
    } catch (err) {
      if (created) await this.forgetUnreferenced(blob.sha256);
      throw err;
    }
    this.changed(document.id);
    return document;
  }

  async get(tenantId: string, id: string): Promise<Document> {
    const document = await this.documents.find(tenantId, id);
    if (!document) throw notFound(`document ${id} not found`);
    return document;
  }

  /** Appends a revision that extends the current head byte for byte (an incremental update). */
  async addRevision(
    input: NewRevision,
    chunks: AsyncIterable<Buffer>,
    signal: AbortSignal,
  ): Promise<{ document: Document; revision: Revision }> {
    if (input.kind === 'ORIGINAL') throw invalidArgument('a new revision cannot be an original');
    const document = await this.get(input.tenantId, input.documentId);
    const parent = this.headIs(document, input.parentRevisionId);
    if (input.provenance) {
      const contract = document.contractId ? await this.contracts.find(input.tenantId, document.contractId) : undefined;
      checkProvenance(input.provenance, input.kind, document.revisions, contract);
    }
    const { blob, created } = await this.blobs.put(
      chunks,
      { maxBytes: this.maxDocumentBytes, ...pdfChecks, prefix: { sha256: parent.sha256, size: parent.size } },
      signal,
    );
    const revision: Revision = {
      id: randomUUID(),
      parentId: parent.id,
      sha256: blob.sha256,
      size: blob.size,
      kind: input.kind,
      madeBy: input.madeBy,
      ...(input.provenance ? { provenance: input.provenance } : {}),
      description: input.description,
      createdAt: this.now(),
    };
    const subject = document.contractId ?? document.id;
    const events = outboxEntries(input.tenantId, subject, revisionAdded(document, revision));
    let appended = false;
    try {
      appended = await this.documents.appendRevision(document, revision, events);
    } finally {
      if (!appended && created) await this.forgetUnreferenced(blob.sha256);
    }
    if (!appended) this.headIs(await this.get(input.tenantId, input.documentId), input.parentRevisionId);
    this.changed(document.id);
    return {
      document: { ...document, revisions: [...document.revisions, revision], headRevisionId: revision.id },
      revision,
    };
  }

  /** The bytes [offset, offset + length) of a revision (the head when no id is given). */
  async open(tenantId: string, documentId: string, revisionId: string, offset: number, length: number) {
    const document = await this.get(tenantId, documentId);
    const id = revisionId || document.headRevisionId;
    const revision = document.revisions.find((r) => r.id === id);
    if (!revision) throw notFound(`revision ${id} of document ${documentId} not found`);
    if (offset < 0 || length < 0) throw invalidArgument('offset and length must not be negative');
    if (offset > revision.size) {
      throw invalidArgument(`offset ${offset} is past the end of the revision (${revision.size} bytes)`);
    }
    const end = length === 0 ? revision.size : Math.min(revision.size, offset + length);
    return { revision, stream: await this.blobs.open(revision.sha256, offset, end) };
  }

  private headIs(document: Document, revisionId: string): Revision {
    if (document.headRevisionId !== revisionId) {
      throw failedPrecondition(
        `revision ${revisionId} is not the head of document ${document.id} (the head is ${document.headRevisionId}); ` +
          'sign the head revision',
      );
    }
    const head = document.revisions.find((r) => r.id === revisionId);
    if (!head) throw new Error(`document ${document.id} names a head revision it does not have`);
    return head;
  }

  private async forgetUnreferenced(sha256: string): Promise<void> {
    try {
      if (!(await this.documents.references(sha256))) await this.blobs.forget(sha256);
    } catch {
      // An unreferenced blob is complete content, harmless; it must not hide the real error.
    }
  }
}
