import { createKafka, ensureTopics, EventConsumer, Topics, type KafkaLogFn, type KafkaConnection } from '@jitsuin/events';
import type { Logger } from '@jitsuin/rpc';
import type { Notifier } from '../app/notifier.js';

export interface ConsumerSettings {
  kafka: KafkaConnection;
  groupId: string;
  fromBeginning: boolean;
  consumerMaxAttempts: number;
}

/**
 * The lifecycle, signature and verification topics, handled by the notifier. A message that is
 * not an event, or a known event without its ids, goes to the dead-letter topic at once;
 * anything else (the store being away) is retried, and the consumer goes on either way.
 */
export async function startEventConsumer(settings: ConsumerSettings, notifier: Notifier, logger: Logger): Promise<EventConsumer> {
  const log: KafkaLogFn = (record) => {
    if (record.level === 'ERROR') logger.error({ kafka: record }, 'kafka');
    else logger.warn({ kafka: record }, 'kafka');
  };
  const kafka = createKafka({ ...settings.kafka, clientId: 'notification', log });
  await ensureTopics(kafka);
  const consumer = new EventConsumer(kafka, {
    groupId: settings.groupId,
    topics: [Topics.contract, Topics.signature, Topics.verification],
    fromBeginning: settings.fromBeginning,
    maxAttempts: settings.consumerMaxAttempts,
    handle: (event) => notifier.handle(event),
    onFatal: (err) => logger.fatal({ err: String(err) }, 'the event consumer stopped for good'),
  });
  await consumer.start();
  return consumer;
}
