import { isDuplicateKey, type Connection } from '@jitsuin/store';
import { Schema, type Model } from 'mongoose';

/**
 * What oidc-provider keeps between requests (used client-assertion ids above all; sessions and
 * the like if interactive flows are ever enabled), one document per record, keyed by model
 * and id. FerretDB has no TTL indexes: each record carries its expiry, a read treats an expired
 * record as absent, and sweep() deletes them now and then.
 */
export interface OidcRecord {
  _id: string;
  model: string;
  payload: Record<string, unknown>;
  expiresAt?: Date;
  grantId?: string;
  uid?: string;
  userCode?: string;
}

const recordSchema = new Schema<OidcRecord>(
  {
    _id: { type: String, required: true },
    model: { type: String, required: true },
    payload: { type: Schema.Types.Mixed, required: true },
    expiresAt: { type: Date },
    grantId: { type: String },
    uid: { type: String },
    userCode: { type: String },
  },
  { versionKey: false, collection: 'oidc_records', minimize: false },
);
recordSchema.index({ expiresAt: 1 });

export type OidcRecordModel = Model<OidcRecord>;
export const oidcRecordModel = (connection: Connection): OidcRecordModel => connection.model<OidcRecord>('OidcRecord', recordSchema);

const keyOf = (model: string, id: string) => `${model}:${id}`;
const live = (now: Date) => ({ $or: [{ expiresAt: { $exists: false } }, { expiresAt: { $gt: now } }] });

export class OidcRecordRepository {
  constructor(private readonly model: OidcRecordModel) {}

  private record(model: string, id: string, payload: Record<string, unknown>, expiresInSeconds: number | undefined): OidcRecord {
    return {
      _id: keyOf(model, id),
      model,
      payload,
      ...(expiresInSeconds !== undefined ? { expiresAt: new Date(Date.now() + expiresInSeconds * 1000) } : {}),
      ...(typeof payload.grantId === 'string' ? { grantId: payload.grantId } : {}),
      ...(typeof payload.uid === 'string' ? { uid: payload.uid } : {}),
      ...(typeof payload.userCode === 'string' ? { userCode: payload.userCode } : {}),
    };
  }

  async upsert(model: string, id: string, payload: Record<string, unknown>, expiresInSeconds?: number): Promise<void> {
    const record = this.record(model, id, payload, expiresInSeconds);
    await this.model.collection.replaceOne({ _id: record._id } as never, record as never, { upsert: true });
  }

  /**
   * Stores a record that must not exist yet, in one step that two replicas cannot both win:
   * false when a live record with this id is already there. An expired one is replaced.
   */
  async insertUnique(model: string, id: string, payload: Record<string, unknown>, expiresInSeconds: number): Promise<boolean> {
    const record = this.record(model, id, payload, expiresInSeconds);
    try {
      await this.model.collection.insertOne(record as never);
      return true;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const replaced = await this.model.collection.replaceOne({ _id: record._id, expiresAt: { $lte: new Date() } } as never, record as never);
    return replaced.modifiedCount === 1;
  }

  async find(model: string, id: string): Promise<Record<string, unknown> | undefined> {
    const doc = await this.model.findOne({ _id: keyOf(model, id), ...live(new Date()) }).lean<OidcRecord>().exec();
    return doc?.payload;
  }

  async findBy(model: string, field: 'uid' | 'userCode', value: string): Promise<Record<string, unknown> | undefined> {
    const doc = await this.model.findOne({ model, [field]: value, ...live(new Date()) }).lean<OidcRecord>().exec();
    return doc?.payload;
  }

  async consume(model: string, id: string): Promise<void> {
    await this.model.collection.updateOne({ _id: keyOf(model, id) } as never, { $set: { 'payload.consumed': Math.floor(Date.now() / 1000) } });
  }

  async destroy(model: string, id: string): Promise<void> {
    await this.model.collection.deleteOne({ _id: keyOf(model, id) } as never);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.model.collection.deleteMany({ grantId } as never);
  }

  /** Deletes the records past their expiry; returns how many. */
  async sweep(now = new Date()): Promise<number> {
    const result = await this.model.collection.deleteMany({ expiresAt: { $lte: now } } as never);
    return result.deletedCount;
  }
}
