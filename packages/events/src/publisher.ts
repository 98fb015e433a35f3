import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { encodeEvent, type EventEnvelope } from './envelope.js';
import { topicForType } from './topics.js';

/** Kafka headers every event carries, so tools can route and trace without decoding. */
export const EventHeaders = {
  id: 'event-id',
  type: 'event-type',
  tenantId: 'tenant-id',
} as const;

/**
 * Publishes events (used by each service's outbox relay). The producer is idempotent with one
 * request in flight, so broker retries neither duplicate nor reorder a subject's events.
 */
export class EventPublisher {
  private constructor(private readonly producer: Producer) {}

  static async connect(kafka: Kafka): Promise<EventPublisher> {
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      // Topics come from ensureTopics; an auto-created one would get the broker's defaults.
      allowAutoTopicCreation: false,
      // Java-compatible murmur2 hashing: the same key lands on the same partition from any client.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    return new EventPublisher(producer);
  }

  /**
   * Sends all events in one batch: each to its type's topic, keyed by subject so a subject's
   * events share a partition and keep the order given here. Resolves once every broker
   * replica has them (acks all). On rejection some may have been sent: retry them all, since
   * consumers drop duplicates by event id.
   */
  async publish(events: EventEnvelope[]): Promise<void> {
    if (events.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    for (const event of events) {
      const topic = topicForType(event.type);
      const message: Message = {
        key: event.subject,
        value: encodeEvent(event),
        headers: {
          [EventHeaders.id]: event.id,
          [EventHeaders.type]: event.type,
          [EventHeaders.tenantId]: event.tenantId,
        },
      };
      const messages = byTopic.get(topic) ?? [];
      messages.push(message);
      byTopic.set(topic, messages);
    }
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}
