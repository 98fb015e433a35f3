import { EventConsumer, type EventHandler } from './consumer.js';
import { createKafka, type KafkaConnection } from './kafka.js';
import { ensureTopics, type Topic } from './topics.js';

/** The part of a service's logger (pino) a consumer writes to. */
export interface ConsumerLogger {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  fatal(fields: object, message: string): void;
}

export interface ServiceConsumerOptions {
  kafka: KafkaConnection;
  /** Names this consumer in broker logs, e.g. "signing-automation". */
  clientId: string;
  groupId: string;
  topics: Topic[];
  handle: EventHandler;
  maxAttempts?: number;
  fromBeginning?: boolean;
  logger: ConsumerLogger;
}

/**
 * A service's consumer as every service runs one: the topics made sure of, kafkajs' own
 * warnings and errors in the service's log, retries and the dead-letter topic of EventConsumer,
 * started before it is returned.
 */
export async function startServiceConsumer(options: ServiceConsumerOptions): Promise<EventConsumer> {
  const { logger } = options;
  const kafka = createKafka({
    ...options.kafka,
    clientId: options.clientId,
    log: (record) => (record.level === 'ERROR' ? logger.error({ kafka: record }, 'kafka') : logger.warn({ kafka: record }, 'kafka')),
  });
  await ensureTopics(kafka);
  const consumer = new EventConsumer(kafka, {
    groupId: options.groupId,
    topics: options.topics,
    handle: options.handle,
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
    ...(options.fromBeginning !== undefined ? { fromBeginning: options.fromBeginning } : {}),
    onFatal: (err) => logger.fatal({ err: String(err), consumer: options.clientId }, 'an event consumer stopped for good'),
  });
  await consumer.start();
  return consumer;
}
