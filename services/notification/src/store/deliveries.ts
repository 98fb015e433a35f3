import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKey } from '@jitsuin/store';
import type { Delivery, DeliveryAttempt, DeliveryStatus } from '../domain/delivery.js';

interface DeliveryRecord extends Omit<Delivery, 'id'> {
  _id: string;
  /** Held by the worker sending it; another worker takes it over once this passes. */
  leaseUntil: Date | null;
  claimId: string | null;
}

const deliverySchema = new Schema<DeliveryRecord>(
  {
    _id: String,
    tenantId: String,
    eventId: String,
    eventType: String,
    contractId: String,
    channel: String,
    target: String,
    partyId: String,
    content: Schema.Types.Mixed,
    status: String,
    attempts: Number,
    attemptLimit: Number,
    lastError: String,
    nextAttemptAt: Date,
    attemptLog: [new Schema({ at: Date, ok: Boolean, error: String, durationMs: Number }, { _id: false })],
    createdAt: Date,
    updatedAt: Date,
    leaseUntil: Date,
    claimId: String,
  },
  { versionKey: false, minimize: true },
);
// The worker's scan for due deliveries.
deliverySchema.index({ status: 1, nextAttemptAt: 1 });
// ListDeliveries: a tenant's deliveries newest first, with a cursor on (createdAt, _id).
deliverySchema.index({ tenantId: 1, createdAt: -1, _id: -1 });
deliverySchema.index({ tenantId: 1, eventId: 1 });

export type DeliveryModel = Model<DeliveryRecord>;

export function deliveryModel(connection: Connection): DeliveryModel {
  return connection.model<DeliveryRecord>('Delivery', deliverySchema, 'deliveries');
}

const WAITING: DeliveryStatus[] = ['PENDING', 'RETRYING'];

function toDelivery(record: DeliveryRecord): Delivery {
  const { _id, leaseUntil: _lease, claimId: _claim, ...rest } = record;
  return {
    id: _id,
    ...rest,
    partyId: rest.partyId || undefined,
    lastError: rest.lastError || undefined,
    nextAttemptAt: rest.nextAttemptAt || undefined,
    attemptLog: (rest.attemptLog ?? []).map((a) => ({ at: a.at, ok: a.ok, durationMs: a.durationMs, ...(a.error ? { error: a.error } : {}) })),
  };
}

export interface DeliveryPage {
  deliveries: Delivery[];
  last?: { createdAt: Date; id: string };
}

/** A claimed delivery: the claim id must accompany the write of its outcome. */
export interface Claimed {
  delivery: Delivery;
  claimId: string;
}

export class DeliveryRepository {
  constructor(private readonly model: DeliveryModel) {}

  private get collection() {
    return this.model.collection;
  }

  /**
   * Stores planned deliveries; one already there (the same event, channel and target) is
   * left as it is. Returns the ids newly stored.
   */
  async insertNew(deliveries: Delivery[]): Promise<string[]> {
    const inserted: string[] = [];
    for (const { id, ...fields } of deliveries) {
      try {
        await this.collection.insertOne({ _id: id, ...fields, leaseUntil: null, claimId: null } as never);
        inserted.push(id);
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
    return inserted;
  }

  async find(tenantId: string, id: string): Promise<Delivery | undefined> {
    const record = await this.collection.findOne({ _id: id, tenantId } as never);
    return record ? toDelivery(record as unknown as DeliveryRecord) : undefined;
  }

  /** Ids of deliveries due now and free to take, soonest first. */
  async due(now: Date, limit: number): Promise<string[]> {
    const records = await this.collection
      .find(
        { status: { $in: WAITING }, nextAttemptAt: { $lte: now }, ...leaseFree(now) } as never,
        { projection: { _id: 1 }, sort: { nextAttemptAt: 1 }, limit },
      )
      .toArray();
    return records.map((r) => r._id as unknown as string);
  }

  /**
   * Takes a due delivery for one attempt: one update sets the lease, so of several workers
   * (replicas) exactly one gets it. A worker that dies mid-send loses it when the lease ends.
   */
  async claim(id: string, claimId: string, now: Date, leaseMs: number): Promise<Claimed | undefined> {
    const record = await this.collection.findOneAndUpdate(
      { _id: id, status: { $in: WAITING }, nextAttemptAt: { $lte: now }, ...leaseFree(now) } as never,
      { $set: { leaseUntil: new Date(now.getTime() + leaseMs), claimId } } as never,
      { returnDocument: 'after' },
    );
    if (!record || (record as unknown as DeliveryRecord).claimId !== claimId) return undefined;
    return { delivery: toDelivery(record as unknown as DeliveryRecord), claimId };
  }

  /**
   * Writes an attempt's outcome and logs it, if the claim still holds (a worker whose lease
   * ran out and was taken over writes nothing).
   */
  async recordAttempt(
    claimed: Claimed,
    attempt: DeliveryAttempt,
    outcome: { status: DeliveryStatus; nextAttemptAt?: Date },
  ): Promise<boolean> {
    const result = await this.collection.updateOne(
      { _id: claimed.delivery.id, claimId: claimed.claimId } as never,
      {
        $set: {
          status: outcome.status,
          attempts: claimed.delivery.attempts + 1,
          lastError: attempt.error ?? claimed.delivery.lastError ?? null,
          nextAttemptAt: outcome.nextAttemptAt ?? null,
          updatedAt: attempt.at,
          leaseUntil: null,
          claimId: null,
        },
        $push: { attemptLog: attempt },
      } as never,
    );
    return result.matchedCount === 1;
  }

  /** Lets a claimed delivery go untried (shutdown): due again at once, for any worker. */
  async release(claimed: Claimed): Promise<void> {
    await this.collection.updateOne(
      { _id: claimed.delivery.id, claimId: claimed.claimId } as never,
      { $set: { leaseUntil: null, claimId: null } } as never,
    );
  }

  /**
   * Sends a delivery again: a finished one (delivered or dead-lettered) gets a new round of
   * attempts from now; a waiting one is due now. `contentFields` replaces parts of its content that
   * must differ for a new send (the LINE retry key), where the content has them.
   */
  async replay(tenantId: string, id: string, now: Date, roundAttempts: number, contentFields: Record<string, unknown>): Promise<Delivery | undefined> {
    const current = await this.find(tenantId, id);
    if (!current) return undefined;
    const finished = current.status === 'DELIVERED' || current.status === 'DEAD_LETTERED';
    const set: Record<string, unknown> = { nextAttemptAt: now, updatedAt: now };
    if (finished) {
      set.status = 'PENDING';
      set.attemptLimit = current.attempts + roundAttempts;
      for (const [key, value] of Object.entries(contentFields)) {
        if (key in current.content) set[`content.${key}`] = value;
      }
    }
    await this.collection.updateOne({ _id: id, tenantId, status: current.status, attempts: current.attempts } as never, { $set: set } as never);
    return this.find(tenantId, id);
  }

  async list(
    tenantId: string,
    options: { limit: number; eventId?: string; status?: DeliveryStatus; after?: { createdAt: Date; id: string } },
  ): Promise<DeliveryPage> {
    const filter: Record<string, unknown> = { tenantId };
    if (options.eventId) filter.eventId = options.eventId;
    if (options.status) filter.status = options.status;
    if (options.after) {
      filter.$or = [
        { createdAt: { $lt: options.after.createdAt } },
        { createdAt: options.after.createdAt, _id: { $lt: options.after.id } },
      ];
    }
    const records = (await this.collection
      .find(filter as never, { sort: { createdAt: -1, _id: -1 }, limit: options.limit + 1 })
      .toArray()) as unknown as DeliveryRecord[];
    const deliveries = records.slice(0, options.limit).map(toDelivery);
    const lastOfPage = deliveries.at(-1);
    return {
      deliveries,
      last: records.length > options.limit && lastOfPage ? { createdAt: lastOfPage.createdAt, id: lastOfPage.id } : undefined,
    };
  }
}

function leaseFree(now: Date) {
  return { $or: [{ leaseUntil: null }, { leaseUntil: { $lt: now } }] };
}
