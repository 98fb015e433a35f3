import { randomUUID } from 'node:crypto';
import { EventEnvelope } from '@jitsuin/proto/events/v1/envelope';
import { MalformedEventError } from './errors.js';

export { EventEnvelope };

/** One event's content: the envelope's oneof, e.g. `{ $case: 'contractSent', value }`. */
export type EventPayload = NonNullable<EventEnvelope['payload']>;

/**
 * Kafka refuses records over ~1 MiB by default (message.max.bytes); refusing them here gives
 * the caller a clear error instead of a broker rejection after retries. Events carry ids and
 * hashes, never documents, so a real event is far below this.
 */
export const MAX_EVENT_BYTES = 1024 * 1024;

/**
 * The dotted type of a payload, derived from its oneof case so the two cannot disagree:
 * the first camelCase word is the domain, the rest is snake_case
 * (certificateStatusChanged → "certificate.status_changed").
 */
export function eventType(payload: EventPayload): string {
  const [domain, ...rest] = payload.$case.split(/(?=[A-Z])/).map((w) => w.toLowerCase());
  return `${domain}.${rest.join('_')}`;
}

export interface NewEvent {
  tenantId: string;
  /** The Kafka key: the contract id (or a document id before a contract takes it). */
  subject: string;
  payload: EventPayload;
  causationId?: string;
  /** Shared by a whole flow; a new flow starts with the event's own id. */
  correlationId?: string;
  traceparent?: string;
  time?: Date;
}

export function newEvent(input: NewEvent): EventEnvelope {
  const id = randomUUID();
  const event: EventEnvelope = {
    id,
    type: eventType(input.payload),
    time: input.time ?? new Date(),
    tenantId: input.tenantId,
    subject: input.subject,
    causationId: input.causationId ?? '',
    correlationId: input.correlationId ?? id,
    traceparent: input.traceparent ?? '',
    payload: input.payload,
  };
  assertWellFormed(event);
  return event;
}

export function encodeEvent(event: EventEnvelope): Buffer {
  assertWellFormed(event);
  const bytes = EventEnvelope.encode(event).finish();
  if (bytes.length > MAX_EVENT_BYTES) {
    throw new MalformedEventError(
      `Event ${event.id} (${event.type}) is ${bytes.length} bytes, over the ${MAX_EVENT_BYTES}-byte limit: put large content in storage and reference it by id.`,
    );
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** Decodes and checks an event; anything a consumer could not act on is a MalformedEventError. */
export function decodeEvent(bytes: Uint8Array | null | undefined): EventEnvelope {
  if (!bytes || bytes.length === 0) throw new MalformedEventError('The message has no value.');
  if (bytes.length > MAX_EVENT_BYTES) {
    throw new MalformedEventError(
      `The message is ${bytes.length} bytes, over the ${MAX_EVENT_BYTES}-byte event limit.`,
    );
  }
  let event: EventEnvelope;
  try {
    event = EventEnvelope.decode(bytes);
  } catch (cause) {
    throw new MalformedEventError('The message is not a protobuf EventEnvelope.', { cause });
  }
  assertWellFormed(event);
  return event;
}

function assertWellFormed(event: EventEnvelope): void {
  const problem = problemWith(event);
  if (problem) {
    // Ids and the type are safe to show; the payload may hold contact data and is never quoted.
    const who = event.id ? `Event ${clip(event.id)}` : 'The event';
    throw new MalformedEventError(`${who} ${problem}.`);
  }
}

function problemWith(event: EventEnvelope): string | undefined {
  if (!event.id) return 'has no id';
  if (!event.type) return 'has no type';
  if (!event.tenantId) return 'has no tenant id';
  if (!event.subject) return 'has no subject';
  // A payload case this build does not know decodes as no payload at all.
  if (!event.payload) return `("${clip(event.type)}") has no payload this version knows`;
  const expected = eventType(event.payload);
  if (event.type !== expected) {
    return `has type "${clip(event.type)}" but carries a ${expected} payload`;
  }
  return undefined;
}

const clip = (s: string) => (s.length > 100 ? `${s.slice(0, 100)}…` : s);
