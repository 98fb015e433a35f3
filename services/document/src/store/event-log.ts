import type { Connection } from 'mongoose';
import type mongoose from 'mongoose';
import { isDuplicateKey } from '@jitsuin/store';

/**
 * The event log of each contract: every event about it (contract.*, document.*, revision.*,
 * signature.*, verification.*, certificate.*), in the order this service received them, numbered
 * per log by an atomic counter. A log is named by its contract id; a document's events that came
 * before a contract took the document wait in a log named `document:ID` until the contract's log
 * adopts them (events/event-log.ts).
 *
 * FerretDB has no transactions, so an append is two single-document writes: the counter's
 * increment (findOneAndUpdate $inc, atomic) and the entry's insert, whose `_id` (log + event id)
 * makes a second delivery of the same event a duplicate key that changes nothing. A crash between
 * the two, or two deliveries racing, leaves a gap in the numbers, never a repeat: the export
 * numbers the chain afresh in this order.
 */

export interface EventLogEntry {
  logId: string;
  tenantId: string;
  /** Position in the log (increasing; gaps possible, see above). */
  seq: number;
  eventId: string;
  type: string;
  time: Date;
  subject: string;
  /** The event envelope, protobuf-encoded (encodeEvent). */
  envelope: Buffer;
  receivedAt: Date;
}

interface EntryRecord extends Omit<EventLogEntry, 'envelope'> {
  _id: string;
  envelope: mongoose.mongo.Binary | Buffer;
}

interface HeadRecord {
  _id: string;
  tenantId: string;
  seq: number;
}

export const documentLogId = (documentId: string) => `document:${documentId}`;

const entryId = (logId: string, eventId: string) => `${logId}|${eventId}`;

function toEntry(record: EntryRecord): EventLogEntry {
  const { _id, envelope, ...rest } = record;
  const bytes = Buffer.isBuffer(envelope) ? envelope : Buffer.from(envelope.buffer);
  return { ...rest, envelope: bytes };
}

export class EventLogRepository {
  private readonly entries: mongoose.mongo.Collection<EntryRecord>;
  private readonly heads: mongoose.mongo.Collection<HeadRecord>;

  constructor(connection: Connection) {
    const db = connection.db;
    if (!db) throw new Error('the store connection is not open');
    this.entries = db.collection<EntryRecord>('event_log');
    this.heads = db.collection<HeadRecord>('event_log_heads');
  }

  async ensureIndexes(): Promise<void> {
    await this.entries.createIndex({ logId: 1, seq: 1 });
  }

  async has(logId: string, eventId: string): Promise<boolean> {
    return (await this.entries.countDocuments({ _id: entryId(logId, eventId) }, { limit: 1 })) > 0;
  }

  /**
   * Appends an event to a log unless the log holds it already. True when this call added it.
   */
  async append(entry: Omit<EventLogEntry, 'seq' | 'receivedAt'>, receivedAt = new Date()): Promise<boolean> {
    const _id = entryId(entry.logId, entry.eventId);
    if (await this.has(entry.logId, entry.eventId)) return false;
    const head = await this.heads.findOneAndUpdate(
      { _id: entry.logId },
      { $inc: { seq: 1 }, $setOnInsert: { tenantId: entry.tenantId } },
      { upsert: true, returnDocument: 'after' },
    );
    if (!head) throw new Error(`the event log counter of ${entry.logId} could not be advanced`);
    try {
      await this.entries.insertOne({ ...entry, _id, seq: head.seq, receivedAt });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  /** A log's entries in order, at most `limit` (the caller asks one more to tell "too many"). */
  async list(tenantId: string, logId: string, limit: number): Promise<EventLogEntry[]> {
    const records = await this.entries.find({ logId, tenantId }).sort({ seq: 1 }).limit(limit).toArray();
    return records.map(toEntry);
  }
}
