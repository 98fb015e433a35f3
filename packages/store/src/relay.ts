import { createKafka, ensureTopics, EventPublisher, OutboxRelay, type OutboxCollection } from '@jitsuin/events';
import type { Logger } from 'pino';

export interface RelaySettings {
  kafkaBrokers: string[];
  relayLeaseMs: number;
  relayPollMs: number;
  relayBatchSize: number;
}

/** The outbox relay of a service's collections, publishing to Kafka as `clientId`. */
export function kafkaOutboxRelay(
  clientId: string,
  settings: RelaySettings,
  collections: OutboxCollection[],
  logger: Logger,
): OutboxRelay {
  const kafka = createKafka({ brokers: settings.kafkaBrokers, clientId });
  return new OutboxRelay({
    collections,
    leaseMs: settings.relayLeaseMs,
    pollMs: settings.relayPollMs,
    batchSize: settings.relayBatchSize,
    connectPublisher: async () => {
      await ensureTopics(kafka);
      return EventPublisher.connect(kafka);
    },
    onError: (err, failures) => {
      // One line per outage, not per retry.
      if (failures === 1) logger.warn({ err: String(err) }, 'cannot publish events; they wait in the outbox');
    },
  });
}
