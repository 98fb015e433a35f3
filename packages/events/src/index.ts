export { Topics, topicForType, ensureTopics, type Topic, type EnsureTopicsOptions } from './topics.js';
export {
  EventEnvelope,
  MAX_EVENT_BYTES,
  eventType,
  newEvent,
  encodeEvent,
  decodeEvent,
  type EventPayload,
  type NewEvent,
} from './envelope.js';
export { MalformedEventError } from './errors.js';
export {
  createKafka,
  kafkaConnectionFromEnv,
  kafkaConnectionEnv,
  SASL_MECHANISMS,
  type KafkaConnection,
  type KafkaSasl,
  type SaslMechanism,
  type KafkaOptions,
  type KafkaLogFn,
  type KafkaLogRecord,
  type LogLevelName,
} from './kafka.js';
export { EventPublisher, EventHeaders } from './publisher.js';
export {
  EventConsumer,
  type EventConsumerOptions,
  type EventHandler,
  type MessageMeta,
} from './consumer.js';
export { DeadLetterHeaders } from './dead-letter.js';
export { type ConsumerLogger, type ServiceConsumerOptions, startServiceConsumer } from './service-consumer.js';
export { type Backoff, backoffDelay, sleep } from './backoff.js';
export { isDuplicateKeyError } from './idempotency.js';
export { OutboxRelay, type OutboxCollection, type OutboxRelayOptions } from './outbox-relay.js';
export { SERVICE_ACCESS, SERVICE_PRINCIPALS, type ServiceAccess, type ServicePrincipal } from './access.js';
