/**
 * Consumers are idempotent by event id; Kafka delivers at least once, so every handler must
 * expect to see an event again (after a crash, a rebalance, or a stop between handling and
 * committing).
 *
 * The pattern, with no transactions: record the consumer's effect in ONE document write that
 * also records the event id, so applying the same event twice is the same as applying it once.
 *
 * - An effect that creates something: insert it with `_id` derived from the event id
 *   (e.g. `{ _id: event.id, ... }` in a `notifications` collection). A redelivered event hits
 *   the unique index; catch that with `isDuplicateKeyError` and treat it as success.
 * - An effect that changes an existing document: filter the update on the id not being there
 *   yet, and add it in the same update:
 *   `updateOne({ _id: contractId, appliedEventIds: { $ne: event.id } },
 *              { $set: {...}, $push: { appliedEventIds: { $each: [event.id], $slice: -500 } } })`.
 *   A redelivered event matches nothing and changes nothing (matchedCount 0 is success).
 *   The $slice keeps the list bounded; redeliveries come soon after the first delivery.
 *
 * What breaks it: two writes (effect, then a separate "processed" marker), since a crash between
 * them applies the effect twice; and side effects outside the database (an email) done before
 * the write that records them: record first (e.g. an outbox entry keyed by the event id), then
 * act on the record.
 */

/**
 * True for MongoDB's duplicate key error (code 11000), from the mongodb driver or anything that
 * mirrors it (FerretDB, mongoose). Checked structurally so this package needs no mongodb import.
 */
export function isDuplicateKeyError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}
