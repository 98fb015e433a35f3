import { encodeEvent, newEvent, type EventPayload } from '@jitsuin/events';
import type { OutboxEntry } from '../store/outbox.js';

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
