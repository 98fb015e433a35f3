import { Schema, type Connection } from 'mongoose';
import { isDuplicateKey } from '@jitsuin/store';
import type { Delivery, DeliveryAttempt, DeliveryStatus } from '../domain/delivery.js';

interface DeliveryRecord extends Omit<Delivery, 'id'> {
  _id: string;
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
  },
  { versionKey: false, minimize: true },
);
// ListDeliveries: a tenant's deliveries newest first, with a cursor on (createdAt, _id).
deliverySchema.index({ tenantId: 1, createdAt: -1, _id: -1 });
deliverySchema.index({ tenantId: 1, eventId: 1 });

/**
 * The deliveries waiting to be sent, one small entry each: the dispatcher scans this, not the
 * log, which keeps every delivery for good (FerretDB reads a whole collection for such a scan:
 * 1.5 s at 20,000 deliveries). The delivery itself is the truth; an entry only says "look at
 * this delivery then", and one left over by a crash is put right when it is claimed.
 */
interface QueueRecord {
  _id: string;
  nextAttemptAt: Date;
  /** Held by the worker sending it; another worker takes it over once this passes. */
  leaseUntil: Date | null;
  claimId: string | null;
}

const queueSchema = new Schema<QueueRecord>(
  { _id: String, nextAttemptAt: Date, leaseUntil: Date, claimId: String },
  { versionKey: false },
);
queueSchema.index({ nextAttemptAt: 1 });

export function deliveryModels(connection: Connection) {
  return {
    deliveries: connection.model<DeliveryRecord>('Delivery', deliverySchema, 'deliveries'),
    queue: connection.model<QueueRecord>('DeliveryQueue', queueSchema, 'delivery_queue'),
  };
}

export type DeliveryModels = ReturnType<typeof deliveryModels>;

const WAITING: DeliveryStatus[] = ['PENDING', 'RETRYING'];

function toDelivery(record: DeliveryRecord): Delivery {
  const { _id, ...rest } = record;
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
  constructor(private readonly models: DeliveryModels) {}

  private get collection() {
    return this.models.deliveries.collection;
  }

  private get queue() {
    return this.models.queue.collection;
  }

  /** Makes sure a waiting delivery has its queue entry (a no-op when it has one). */
  private async enqueue(id: string, nextAttemptAt: Date): Promise<void> {
    await this.queue.updateOne(
      { _id: id } as never,
      { $setOnInsert: { nextAttemptAt, leaseUntil: null, claimId: null } } as never,
      { upsert: true },
    );
  }

  /**
   * Stores planned deliveries and queues them, in one write each (an event may plan a dozen);
   * one already there (the same event, channel and target) is left as it is, but queued again
   * if it still waits (a crash may have come between the two writes). Returns the ids newly
   * stored.
   */
  async insertNew(deliveries: Delivery[]): Promise<string[]> {
    if (deliveries.length === 0) return [];
    const refused = await insertManyKnown(
      this.collection,
      deliveries.map(({ id, ...fields }) => ({ _id: id, ...fields })),
    );
    const inserted = deliveries.filter((_, i) => !refused.has(i));
    if (inserted.length > 0) {
      await insertManyKnown(
        this.queue,
        inserted.map((d) => ({ _id: d.id, nextAttemptAt: d.nextAttemptAt ?? d.createdAt, leaseUntil: null, claimId: null })),
      );
    }
    for (const d of deliveries.filter((_, i) => refused.has(i))) {
      const existing = await this.findById(d.id);
      if (existing && WAITING.includes(existing.status)) await this.enqueue(d.id, existing.nextAttemptAt ?? existing.createdAt);
    }
    return inserted.map((d) => d.id);
  }

  private async findById(id: string): Promise<Delivery | undefined> {
    const record = await this.collection.findOne({ _id: id } as never);
    return record ? toDelivery(record as unknown as DeliveryRecord) : undefined;
  }

  async find(tenantId: string, id: string): Promise<Delivery | undefined> {
    const record = await this.collection.findOne({ _id: id, tenantId } as never);
    return record ? toDelivery(record as unknown as DeliveryRecord) : undefined;
  }

  /** Ids of deliveries due now and free to take, soonest first. */
  async due(now: Date, limit: number): Promise<string[]> {
    const records = await this.queue
      .find({ nextAttemptAt: { $lte: now }, ...leaseFree(now) } as never, { projection: { _id: 1 }, sort: { nextAttemptAt: 1 }, limit })
      .toArray();
    return records.map((r) => r._id as unknown as string);
  }

  /**
   * Takes a due delivery for one attempt: one update sets the lease on its queue entry, so of
   * several workers (replicas) exactly one gets it; a worker that dies mid-send loses it when
   * the lease ends. An entry whose delivery no longer waits, or waits until later, is put right
   * instead.
   */
  async claim(id: string, claimId: string, now: Date, leaseMs: number): Promise<Claimed | undefined> {
    // updateOne rather than findOneAndUpdate: nothing of the entry is needed, and FerretDB's
    // findAndModify costs several times an update.
    const taken = await this.queue.updateOne(
      { _id: id, nextAttemptAt: { $lte: now }, ...leaseFree(now) } as never,
      { $set: { leaseUntil: new Date(now.getTime() + leaseMs), claimId } } as never,
    );
    if (taken.matchedCount !== 1) return undefined;
    const delivery = await this.findById(id);
    if (!delivery || !WAITING.includes(delivery.status)) {
      await this.queue.deleteOne({ _id: id, claimId } as never);
      return undefined;
    }
    if (delivery.nextAttemptAt && delivery.nextAttemptAt > now) {
      await this.queue.updateOne({ _id: id, claimId } as never, { $set: { nextAttemptAt: delivery.nextAttemptAt, leaseUntil: null, claimId: null } } as never);
      return undefined;
    }
    return { delivery, claimId };
  }

  /**
   * Writes an attempt's outcome and logs it, once per attempt (the write holds only if no other
   * attempt was recorded meanwhile), then requeues or dequeues the delivery.
   */
  async recordAttempt(
    claimed: Claimed,
    attempt: DeliveryAttempt,
    outcome: { status: DeliveryStatus; nextAttemptAt?: Date },
  ): Promise<boolean> {
    const { delivery, claimId } = claimed;
    const result = await this.collection.updateOne(
      { _id: delivery.id, attempts: delivery.attempts, status: { $in: WAITING } } as never,
      {
        $set: {
          status: outcome.status,
          attempts: delivery.attempts + 1,
          lastError: attempt.error ?? delivery.lastError ?? null,
          nextAttemptAt: outcome.nextAttemptAt ?? null,
          updatedAt: attempt.at,
        },
        $push: { attemptLog: attempt },
      } as never,
    );
    if (outcome.nextAttemptAt) {
      await this.queue.updateOne(
        { _id: delivery.id, claimId } as never,
        { $set: { nextAttemptAt: outcome.nextAttemptAt, leaseUntil: null, claimId: null } } as never,
      );
    } else {
      await this.queue.deleteOne({ _id: delivery.id, claimId } as never);
    }
    return result.matchedCount === 1;
  }

  /** Lets a claimed delivery go untried (shutdown): due again at once, for any worker. */
  async release(claimed: Claimed): Promise<void> {
    await this.queue.updateOne({ _id: claimed.delivery.id, claimId: claimed.claimId } as never, { $set: { leaseUntil: null, claimId: null } } as never);
  }

  /**
   * Sends a delivery again: a finished one (delivered or dead-lettered) gets a new round of
   * attempts from now; a waiting one is due now. `contentFields` replaces parts of its content
   * that must differ for a new send (the retry keys), where the content has them. Calling it
   * again is safe: it always ends by queueing the delivery.
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
    const after = await this.find(tenantId, id);
    if (after && WAITING.includes(after.status)) {
      await this.enqueue(id, now);
      // An entry already there (waiting for a retry) becomes due now.
      await this.queue.updateOne({ _id: id, claimId: null } as never, { $set: { nextAttemptAt: now } } as never);
    }
    return after;
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

/**
 * insertMany, unordered: every document whose id is new is stored. Returns the indexes of
 * those refused because their id was already there; any other failure is thrown.
 */
async function insertManyKnown(collection: { insertMany(docs: never, options: object): Promise<unknown> }, docs: object[]): Promise<Set<number>> {
  try {
    await collection.insertMany(docs as never, { ordered: false });
    return new Set();
  } catch (err) {
    const raw = (err as { writeErrors?: unknown }).writeErrors;
    const errors = (Array.isArray(raw) ? raw : raw ? [raw] : []) as { index?: number; code?: number }[];
    if (errors.length === 0 || errors.some((e) => e.code !== 11000 || typeof e.index !== 'number')) throw err;
    return new Set(errors.map((e) => e.index!));
  }
}

function leaseFree(now: Date) {
  return { $or: [{ leaseUntil: null }, { leaseUntil: { $lt: now } }] };
}
