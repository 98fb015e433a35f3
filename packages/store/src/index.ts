export { connectStore, storeErrorTranslator, type Connection } from './connection.js';
export { insertWithEvents, outboxEntries, outboxFields, type OutboxEntry } from './outbox.js';
// One test for "already there", shared with the event consumers.
export { isDuplicateKeyError as isDuplicateKey } from '@jitsuin/events';
export { kafkaOutboxRelay, relaySettingsFromEnv, type RelaySettings } from './relay.js';
