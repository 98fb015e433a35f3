import mongoose, { Schema, type Connection, type Model } from 'mongoose';
import type { PendingSignature } from '@jitsuin/signer';
import type { SigningSession } from '../domain/session.js';
import { insertWithEvents, outboxFields, type OutboxEntry } from '@jitsuin/store';

const { Binary } = mongoose.mongo;

interface SessionRecord extends Omit<SigningSession, 'id'> {
  _id: string;
  outbox: OutboxEntry[];
  outboxPending: boolean;
  relayLeaseUntil: Date | null;
}

/**
 * The schema documents the shape and declares the indexes; reads and writes go through the
 * driver (the pending update is stored as it is, binary fields as BSON binary).
 */
const sessionSchema = new Schema<SessionRecord>(
  {
    _id: String,
    kind: String,
    tenantId: String,
    contractId: String,
    documentId: String,
    baseRevisionId: String,
    partyId: String,
    level: String,
    fieldName: String,
    certificateSerial: String,
    state: String,
    createdAt: Date,
    updatedAt: Date,
    expiresAt: { type: Date, index: true },
    pending: Schema.Types.Mixed,
    claimId: String,
    upload: { sha256: String, size: Number },
    result: { revisionId: String, sha256: String },
    failure: { reason: String, message: String },
    ...outboxFields,
  },
  { versionKey: false, minimize: true },
);

export type SessionModel = Model<SessionRecord>;

export function sessionModel(connection: Connection): SessionModel {
  return connection.model<SessionRecord>('SigningSession', sessionSchema, 'sessions');
}

/** Stored BSON binary back to a Buffer (the driver returns Binary for Buffers). */
function bytes(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Binary) return Buffer.from(value.buffer.buffer, value.buffer.byteOffset, value.position);
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new Error('a stored session holds a binary field that is not binary');
}

function pendingFromRecord(stored: Record<string, unknown>): PendingSignature {
  const p = stored as unknown as PendingSignature;
  return {
    ...p,
    appended: bytes(p.appended),
    signedAttributes: bytes(p.signedAttributes),
    digest: bytes(p.digest),
    digestInfo: bytes(p.digestInfo),
    signerCertificate: bytes(p.signerCertificate),
    chain: (p.chain ?? []).map(bytes),
    byteRange: [...p.byteRange] as PendingSignature['byteRange'],
  };
}

function toSession(record: SessionRecord): SigningSession {
  const { _id, outbox: _outbox, outboxPending: _pending, relayLeaseUntil: _lease, pending, ...rest } = record;
  return {
    id: _id,
    ...rest,
    ...(pending ? { pending: pendingFromRecord(pending as unknown as Record<string, unknown>) } : {}),
  };
}

export class SessionRepository {
  constructor(private readonly model: SessionModel) {}

  private get collection() {
    return this.model.collection;
  }

  insert(session: SigningSession, events: OutboxEntry[] = []): Promise<void> {
    return insertWithEvents(this.collection, session, events);
  }

  async find(id: string): Promise<SigningSession | undefined> {
    const record = await this.collection.findOne({ _id: id } as never, { projection: { outbox: 0 } });
    return record ? toSession(record as unknown as SessionRecord) : undefined;
  }

  /**
   * Takes a prepared, unexpired session for one completion: PREPARED → COMPLETING in one
   * update, so of two calls racing for it exactly one wins. Returns the session as claimed.
   */
  async claim(id: string, claimId: string, now: Date): Promise<SigningSession | undefined> {
    const result = await this.collection.updateOne(
      { _id: id, kind: 'CARD', state: 'PREPARED', expiresAt: { $gt: now } } as never,
      { $set: { state: 'COMPLETING', claimId, updatedAt: now } } as never,
    );
    if (result.matchedCount !== 1) return undefined;
    const session = await this.find(id);
    return session?.claimId === claimId ? session : undefined;
  }

  /** Notes the revision about to be sent to the document service (see SigningSession.upload). */
  async recordUpload(id: string, claimId: string, upload: { sha256: string; size: number }, now: Date): Promise<void> {
    await this.collection.updateOne(
      { _id: id, claimId, state: 'COMPLETING' } as never,
      { $set: { upload, updatedAt: now } } as never,
    );
  }

  /** COMPLETING → COMPLETED with its events, dropping the prepared bytes. */
  async complete(
    id: string,
    claimId: string,
    result: { revisionId: string; sha256: string },
    events: OutboxEntry[],
    now: Date,
  ): Promise<boolean> {
    return this.finish(id, claimId, { state: 'COMPLETED', result, updatedAt: now }, events);
  }

  /** COMPLETING → FAILED with its events, dropping the prepared bytes. */
  async fail(
    id: string,
    claimId: string,
    failure: { reason: string; message: string },
    events: OutboxEntry[],
    now: Date,
  ): Promise<boolean> {
    return this.finish(id, claimId, { state: 'FAILED', failure, updatedAt: now }, events);
  }

  /** COMPLETING → PREPARED: a transient failure; the same signature may be sent again. */
  async release(id: string, claimId: string, now: Date): Promise<void> {
    await this.collection.updateOne(
      { _id: id, claimId, state: 'COMPLETING' } as never,
      { $set: { state: 'PREPARED', updatedAt: now }, $unset: { claimId: '' } } as never,
    );
  }

  private async finish(id: string, claimId: string, fields: Partial<SessionRecord>, events: OutboxEntry[]): Promise<boolean> {
    const result = await this.collection.updateOne(
      { _id: id, claimId, state: 'COMPLETING' } as never,
      {
        $set: { ...fields, ...(events.length > 0 ? { outboxPending: true } : {}) },
        $unset: { pending: '' },
        $push: { outbox: { $each: events } },
      } as never,
    );
    return result.matchedCount === 1;
  }

  /**
   * FerretDB has no TTL index, so expiry is checked on use and cleaned up here: the prepared
   * bytes of expired sessions are dropped at once, the sessions themselves after `retentionMs`
   * (until then they answer "expired" or "already used" rather than "not found"), never while
   * their events wait in the outbox.
   */
  async sweep(now: Date, retentionMs: number): Promise<{ dropped: number; deleted: number }> {
    const dropped = await this.collection.updateMany(
      { expiresAt: { $lte: now }, state: 'PREPARED', pending: { $exists: true } } as never,
      { $unset: { pending: '' } } as never,
    );
    const deleted = await this.collection.deleteMany({
      expiresAt: { $lte: new Date(now.getTime() - retentionMs) },
      outboxPending: false,
    } as never);
    return { dropped: dropped.modifiedCount, deleted: deleted.deletedCount };
  }
}
