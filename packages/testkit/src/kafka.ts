// What tests and benchmarks do to a running Kafka besides publishing: place a consumer group
// before its service first joins, and read what went to the dead-letter topic. (Starting the
// broker itself is infra/kafka.ts.) The connection is passed in: the vitest suites take it from
// testInfra(), e2e/platform.ts (which bench/lifecycle.ts runs outside vitest) from its options.
import { randomUUID } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import { createKafka, DeadLetterHeaders, ensureTopics, Topics, type KafkaConnection } from '@jitsuin/events';

/** A consumer group and the topics it reads. */
export interface GroupTopics {
  groupId: string;
  topics: string[];
}

/**
 * Commits each group's offsets at the current end of its topics, before the group's consumer
 * first joins: the consumer then handles exactly the events published after this call (no
 * backlog of earlier runs, no race with "latest", which counts from the join).
 *
 * kafkajs' admin.setOffsets would do the same but waits up to 5 s on its fetch; instead each
 * group subscribes, pauses its topics and seeks to the ends, and a seek commits (autoCommit).
 * The ends are read once for all groups, so groups on the same topics start at the same place.
 */
export async function startGroupsAtEnd(connection: KafkaConnection, groups: GroupTopics[]): Promise<void> {
  const kafka = createKafka({ ...connection, clientId: 'testkit-offsets', logLevel: 'NOTHING' });
  await ensureTopics(kafka);
  const admin = kafka.admin();
  await admin.connect();
  const topics = [...new Set(groups.flatMap((g) => g.topics))];
  const ends = new Map(await Promise.all(topics.map(async (topic) => [topic, await admin.fetchTopicOffsets(topic)] as const)));
  await admin.disconnect();
  await Promise.all(
    groups.map(async ({ groupId, topics }) => {
      const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 50 });
      await consumer.connect();
      try {
        await consumer.subscribe({ topics, fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          // kafkajs commits the seeks below as its next fetch begins and emits FETCH when that
          // fetch ends, so the offsets are committed by then (the test broker is one node: one
          // fetch covers every partition).
          consumer.on(consumer.events.FETCH, () => resolve());
          consumer.run({ eachBatchAutoResolve: false, eachBatch: async () => undefined }).catch(reject);
          consumer.pause(topics.map((topic) => ({ topic })));
          for (const topic of topics) for (const o of ends.get(topic)!) consumer.seek({ topic, partition: o.partition, offset: o.high });
        });
      } finally {
        await consumer.disconnect();
      }
    }),
  );
}

/** A record of the dead-letter topic: the original key and bytes, headers as strings. */
export interface DeadLetter {
  key: string;
  value: Buffer;
  /** The original message's headers and the DeadLetterHeaders (why, where from, which group). */
  headers: Record<string, string>;
}

/** A dead-letter record as tests compare it (kafkajs gives headers as Buffers). */
export function deadLetterOf(message: KafkaMessage): DeadLetter {
  const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
  return { key: message.key?.toString() ?? '', value: message.value ?? Buffer.alloc(0), headers };
}

/**
 * The dead letters `groupId` wrote, in order, read from the start of the topic (by a group of
 * its own) until `until` says enough; the topic is shared, so other groups' letters are skipped.
 */
export async function deadLettersOf(connection: KafkaConnection, groupId: string, until: (found: DeadLetter[]) => boolean): Promise<DeadLetter[]> {
  const kafka = createKafka({ ...connection, clientId: 'testkit-dead-letters', logLevel: 'NOTHING' });
  const consumer = kafka.consumer({ groupId: `dlq-reader-${randomUUID()}` });
  const found: DeadLetter[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [Topics.deadLetter], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            const letter = deadLetterOf(message);
            if (letter.headers[DeadLetterHeaders.consumerGroup] !== groupId) return;
            found.push(letter);
            if (until(found)) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return found;
}
