import { Schema, type Collection } from 'mongoose';
import { encodeEvent, newEvent, type EventPayload } from '@jitsuin/events';

/**
 * The outbox side of a record: events wait in the record whose change produced them. The
 * change and its events are written in one update, so neither exists without the other; the
 * relay (OutboxRelay in @jitsuin/events) publishes the events and removes them.
 */
export interface OutboxEntry {
  _id: string;
  type: string;
  data: Buffer;
}

/** Fields every record with an outbox has; spread into its mongoose schema. */
export const outboxFields = {
  outbox: {
    type: [new Schema<OutboxEntry>({ _id: String, type: String, data: Buffer }, { _id: false })],
    default: [],
  },
  outboxPending: { type: Boolean, default: false, index: true },
  relayLeaseUntil: { type: Date, default: null },
};

/** Events for one change of one subject, ready to be written with the change. */
export function outboxEntries(
  tenantId: string,
  subject: string,
  payloads: EventPayload[],
  correlationId?: string,
): OutboxEntry[] {
  return payloads.map((payload) => {
    const event = newEvent({ tenantId, subject, payload, correlationId });
    return { _id: event.id, type: event.type, data: encodeEvent(event) };
  });
}

/** Inserts a new record together with the events of its creation. */
export async function insertWithEvents(collection: Collection, record: { id: string }, events: OutboxEntry[]): Promise<void> {
  const { id, ...fields } = record;
  await collection.insertOne({
    _id: id,
    ...fields,
    outbox: events,
    outboxPending: events.length > 0,
    relayLeaseUntil: null,
  } as never);
}
