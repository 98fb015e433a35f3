import { createKafka, ensureTopics, EventConsumer, Topics, type KafkaLogFn, type KafkaConnection } from '@jitsuin/events';
import type { Logger } from '@jitsuin/rpc';
import type { Verifications } from '../app/verifications.js';

export interface ConsumerSettings {
  kafka: KafkaConnection;
  groupId: string;
  fromBeginning: boolean;
  consumerMaxAttempts: number;
}

/**
 * signature.applied from the signature topic: each new signed revision is verified and its
 * report stored (other events on the topic are skipped). A message that is not an event, or an
 * event without its ids, goes to the dead-letter topic at once; a transient failure (the
 * document service or the store away) is retried, then dead-lettered.
 */
export async function startEventConsumer(settings: ConsumerSettings, verifications: Verifications, logger: Logger): Promise<EventConsumer> {
  const log: KafkaLogFn = (record) => {
    if (record.level === 'ERROR') logger.error({ kafka: record }, 'kafka');
    else logger.warn({ kafka: record }, 'kafka');
  };
  const kafka = createKafka({ ...settings.kafka, clientId: 'verification', log });
  await ensureTopics(kafka);
  const consumer = new EventConsumer(kafka, {
    groupId: settings.groupId,
    topics: [Topics.signature],
    fromBeginning: settings.fromBeginning,
    maxAttempts: settings.consumerMaxAttempts,
    // TRY_LATER verdicts are retried until the last attempt, which records them.
    handle: (event, meta) => verifications.onEvent(event, meta.attempt < settings.consumerMaxAttempts),
    onFatal: (err) => logger.fatal({ err: String(err) }, 'the event consumer stopped for good'),
  });
  await consumer.start();
  return consumer;
}
