import { createKafka, ensureTopics, EventPublisher, OutboxRelay, type OutboxCollection, type KafkaConnection } from '@jitsuin/events';
import { envInteger } from '@jitsuin/rpc';
import type { Logger } from 'pino';

export interface RelaySettings {
  kafka: KafkaConnection;
  /** How long a relay's claim holds; a relay that died is taken over after this. */
  relayLeaseMs: number;
  /**
   * How often the relay looks through the collections for events it was not told of: those of
   * a process that died before relaying them. (A change made in this process is relayed at
   * once.) Each look reads every document of the collections on FerretDB, so not often.
   */
  relayPollMs: number;
  /** Documents the relay publishes in one batch. */
  relayBatchSize: number;
}

/** A service's relay settings from its environment: RELAY_LEASE_MS, RELAY_POLL_MS, RELAY_BATCH_SIZE. */
export function relaySettingsFromEnv(env: NodeJS.ProcessEnv): Omit<RelaySettings, 'kafka'> {
  return {
    relayLeaseMs: envInteger(env, 'RELAY_LEASE_MS', 10_000, 100, 600_000),
    relayPollMs: envInteger(env, 'RELAY_POLL_MS', 5_000, 10, 60_000),
    relayBatchSize: envInteger(env, 'RELAY_BATCH_SIZE', 100, 1, 1000),
  };
}

/** The outbox relay of a service's collections, publishing to Kafka as `clientId`. */
export function kafkaOutboxRelay(
  clientId: string,
  settings: RelaySettings,
  collections: OutboxCollection[],
  logger: Logger,
): OutboxRelay {
  const kafka = createKafka({ ...settings.kafka, clientId });
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
