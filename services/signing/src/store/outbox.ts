import { Schema, type Collection } from 'mongoose';

/**
 * An event waiting in the record whose change produced it. The change and its events are
 * written in one update, so neither exists without the other; the relay publishes the
 * events and removes them (packages/events).
 */
export interface OutboxEntry {
  _id: string;
  type: string;
  data: Buffer;
}

export const outboxFields = {
  outbox: {
    type: [new Schema<OutboxEntry>({ _id: String, type: String, data: Buffer }, { _id: false })],
    default: [],
  },
  outboxPending: { type: Boolean, default: false, index: true },
  relayLeaseUntil: { type: Date, default: null },
};

/** Inserts a new record together with the events of its creation. */
export async function insertWithEvents(
  collection: Collection,
  record: { id: string },
  events: OutboxEntry[],
): Promise<void> {
  const { id, ...fields } = record;
  await collection.insertOne({
    _id: id,
    ...fields,
    outbox: events,
    outboxPending: events.length > 0,
    relayLeaseUntil: null,
  } as never);
}
