import { backoffDelay, sleep, type Backoff } from './backoff.js';
import { decodeEvent } from './envelope.js';
import type { EventPublisher } from './publisher.js';

/**
 * The outbox: a service writes a state change and its events in one document update (the
 * document's `outbox` array, with `outboxPending: true`); this relay publishes the events and
 * then removes them from the document. Publishing comes first, so a relay that dies in between
 * publishes again after its lease runs out: at least once, and consumers drop duplicates by
 * event id. Several relays may run: each claims documents with a lease.
 */

/** The part of a MongoDB collection the relay uses (any driver version will do). */
export interface OutboxCollection {
  readonly collectionName: string;
  find(filter: object, options: object): { toArray(): Promise<unknown[]> };
  updateOne(filter: object, update: object): Promise<{ matchedCount: number }>;
}

interface PendingDocument {
  _id: unknown;
  outbox: { _id: string; data: BinaryLike }[];
}

export interface OutboxRelayOptions {
  collections: OutboxCollection[];
  /** Connects when there is something to publish; Kafka may be away when the service starts. */
  connectPublisher: () => Promise<EventPublisher>;
  /** How often to look for events when nobody nudges (a change made in this process does). */
  pollMs?: number;
  /** How long a claim holds; a relay that died is taken over after this. */
  leaseMs?: number;
  /** Documents per batch. */
  batchSize?: number;
  backoff?: Backoff;
  onError?: (err: unknown, consecutiveFailures: number) => void;
}

export class OutboxRelay {
  private readonly stopping = new AbortController();
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly batchSize: number;
  private readonly backoff: Backoff;
  private publisher: Promise<EventPublisher> | undefined;
  /** Documents changed in this process, by collection name: relayed before any scan. */
  private hints = new Map<string, unknown[]>();

  constructor(private readonly options: OutboxRelayOptions) {
    this.pollMs = options.pollMs ?? 500;
    this.leaseMs = options.leaseMs ?? 10_000;
    this.batchSize = options.batchSize ?? 100;
    this.backoff = options.backoff ?? { initialMs: 200, maxMs: 5_000 };
  }

  start(): void {
    this.loop ??= this.run();
  }

  /**
   * Look now: a change with events was just written to this document. The relay claims it by
   * id first, so a change made in this process does not wait for the next scan (a scan reads
   * the whole collection on FerretDB, which cannot use the index for it).
   */
  nudge(collectionName: string, id: unknown): void {
    const ids = this.hints.get(collectionName) ?? [];
    ids.push(id);
    this.hints.set(collectionName, ids);
    this.wake?.();
  }

  /** Finishes the batch in flight, then stops. */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.wake?.();
    await this.loop;
    const publisher = await this.publisher?.catch(() => undefined);
    await publisher?.close();
  }

  /** Publishes what is pending now, once; returns how many events it published. */
  async drainOnce(): Promise<number> {
    let published = 0;
    for (const collection of this.options.collections) {
      published += await this.relayBatch(collection, await this.claimScanned(collection));
    }
    return published;
  }

  private async run(): Promise<void> {
    let failures = 0;
    let nextScan = 0;
    while (!this.stopping.signal.aborted) {
      try {
        if (await this.relayHinted()) continue;
        if (Date.now() >= nextScan) {
          // Keep scanning while there is a backlog (events of other processes, or of a relay
          // that died); then rest until the next poll.
          if ((await this.drainOnce()) > 0) continue;
          nextScan = Date.now() + this.pollMs;
        }
        failures = 0;
        await this.idle(Math.max(0, nextScan - Date.now()));
      } catch (err) {
        failures += 1;
        this.options.onError?.(err, failures);
        await sleep(backoffDelay(failures, this.backoff), this.stopping.signal);
      }
    }
  }

  /** Publishes the documents named by nudges; false when there were none. */
  private async relayHinted(): Promise<boolean> {
    if (this.hints.size === 0) return false;
    const hints = this.hints;
    this.hints = new Map();
    for (const collection of this.options.collections) {
      const ids = hints.get(collection.collectionName);
      if (!ids) continue;
      try {
        await this.relayBatch(collection, await this.claimIds(collection, ids));
      } catch (err) {
        // Not lost: the documents stay pending and the next scan finds them.
        this.options.onError?.(err, 1);
      }
    }
    return true;
  }

  private idle(ms: number): Promise<void> {
    // A nudge that came while the loop was busy (scanning, publishing) called a wake-up nobody
    // was waiting on; its id waits in `hints`, so there is no sleeping now.
    if (this.hints.size > 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const signal = this.stopping.signal;
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      this.wake = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private async relayBatch(collection: OutboxCollection, claimed: unknown[]): Promise<number> {
    if (claimed.length === 0) return 0;
    // One lookup per id, not { _id: { $in: claimed } }: FerretDB on SQLite finds a document by
    // `_id` equality through the table's index, but answers `$in` by reading and parsing every
    // document of the collection, and this ran for every batch (171 ms against 1 ms per id with
    // 2,000 documents of 2 KB; the e2e platform's FerretDB was CPU-bound on it).
    const documents = (
      await Promise.all(claimed.map((_id) => collection.find({ _id }, { projection: { outbox: 1 }, limit: 1 }).toArray()))
    ).flat() as PendingDocument[];
    // In claim order, each document's events in their own order: one subject's events keep
    // their order on its partition.
    const events = documents.flatMap((d) => d.outbox.map((entry) => decodeEvent(asBytes(entry.data))));
    try {
      await (await this.connectedPublisher()).publish(events);
    } catch (err) {
      await Promise.all(claimed.map((id) => collection.updateOne({ _id: id }, { $set: { relayLeaseUntil: null } })));
      throw err;
    }
    for (const document of documents) {
      // $pullAll with the entries as read: FerretDB has no $pull by condition, and whole
      // values leave alone whatever was appended meanwhile.
      await collection.updateOne(
        { _id: document._id },
        { $pullAll: { outbox: document.outbox }, $set: { relayLeaseUntil: null } },
      );
      // Events written meanwhile keep the flag up: it is cleared only on an empty outbox.
      await collection.updateOne({ _id: document._id, outbox: { $size: 0 } }, { $set: { outboxPending: false } });
    }
    return events.length;
  }

  private connectedPublisher(): Promise<EventPublisher> {
    this.publisher ??= this.options.connectPublisher().catch((err: unknown) => {
      this.publisher = undefined;
      throw err;
    });
    return this.publisher;
  }

  /** Takes a lease on up to batchSize documents with pending events. */
  private async claimScanned(collection: OutboxCollection): Promise<unknown[]> {
    const candidates = (await collection
      .find({ outboxPending: true, ...leaseFree(new Date()) }, { projection: { _id: 1 }, limit: this.batchSize })
      .toArray()) as { _id: unknown }[];
    return this.claimIds(collection, candidates.map((c) => c._id));
  }

  /** Takes a lease on those of `ids` that have pending events and no live lease. */
  private async claimIds(collection: OutboxCollection, ids: unknown[]): Promise<unknown[]> {
    const now = new Date();
    const leaseUntil = new Date(now.getTime() + this.leaseMs);
    const claims = await Promise.all(
      [...new Set(ids)].map(async (_id) => {
        const result = await collection.updateOne(
          { _id, outboxPending: true, ...leaseFree(now) },
          { $set: { relayLeaseUntil: leaseUntil } },
        );
        return result.matchedCount === 1 ? [_id] : [];
      }),
    );
    return claims.flat();
  }
}

function leaseFree(now: Date) {
  return { $or: [{ relayLeaseUntil: null }, { relayLeaseUntil: { $lt: now } }] };
}

/** The driver hands back BSON Binary values (bytes in `.buffer`) for stored Buffers. */
type BinaryLike = Uint8Array | { buffer: Uint8Array };

function asBytes(data: BinaryLike): Uint8Array {
  return data instanceof Uint8Array ? data : data.buffer;
}
