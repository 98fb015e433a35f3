import type { Admin, Kafka } from 'kafkajs';
import { invalidArgument } from '@jitsuin/errors';
import { MAX_EVENT_BYTES } from './envelope.js';

/** Versioned topic names: a breaking change to an event gets a new topic, not a new meaning. */
export const Topics = {
  contract: 'jitsuin.contract.v1',
  signature: 'jitsuin.signature.v1',
  verification: 'jitsuin.verification.v1',
  deadLetter: 'jitsuin.dead-letter.v1',
} as const;

export type Topic = (typeof Topics)[keyof typeof Topics];

/**
 * The topic an event type travels on, from the domain before the first dot. Document and
 * revision events go with the contract because their key is the contract: one partition then
 * orders everything that happens to a contract.
 */
export function topicForType(type: string): Topic {
  const domain = type.split('.', 1)[0];
  switch (domain) {
    case 'contract':
    case 'document':
    case 'revision':
      return Topics.contract;
    case 'signature':
      return Topics.signature;
    case 'verification':
    case 'certificate':
      return Topics.verification;
    default:
      throw invalidArgument(
        `No topic for event type "${type}": add its domain to topicForType in @jitsuin/events.`,
      );
  }
}

/**
 * Record size limits (max.message.bytes), set when a topic is created. The broker default
 * (1 MiB + 12 bytes for the whole record) would refuse an event just under MAX_EVENT_BYTES once
 * key and headers are added, so event topics leave room and our own limit is the one that
 * bites. The dead-letter topic takes anything an event topic accepted plus the dlq-* headers:
 * a dead letter that cannot be written would stop its consumer for good.
 */
const EVENT_TOPIC_MAX_BYTES = MAX_EVENT_BYTES + 64 * 1024;
const DEAD_LETTER_MAX_BYTES = 2 * EVENT_TOPIC_MAX_BYTES;

export interface EnsureTopicsOptions {
  /** Partitions per topic; the unit of parallelism for consumers. Default 3. */
  partitions?: number;
  /** Copies of each partition; 1 fits a single dev/test broker, production sets 3. */
  replicationFactor?: number;
}

/**
 * Creates every Jitsuin topic that does not exist yet, and returns once each partition of each
 * has a leader; safe to call at every start. Producers here never auto-create topics (the
 * broker default would be one partition), so a service calls this once before publishing or
 * consuming.
 */
export async function ensureTopics(kafka: Kafka, opts: EnsureTopicsOptions = {}): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = Object.values(Topics).filter((t) => !existing.has(t));
    if (missing.length > 0) {
      // Resolves false (no throw) when another process created them first.
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => {
          const maxBytes = topic === Topics.deadLetter ? DEAD_LETTER_MAX_BYTES : EVENT_TOPIC_MAX_BYTES;
          return {
            topic,
            numPartitions: opts.partitions ?? 3,
            replicationFactor: opts.replicationFactor ?? 1,
            configEntries: [{ name: 'max.message.bytes', value: String(maxBytes) }],
          };
        }),
      });
    }
    // Topics another process is creating right now are listed before their partitions have
    // leaders, and createTopics does not wait for those: asked for offsets then, the broker
    // answers "not the leader" (seen on a fresh broker, test files starting side by side).
    await waitForLeaders(admin);
  } finally {
    await admin.disconnect();
  }
}

const LEADERS_TIMEOUT_MS = 30_000;

async function waitForLeaders(admin: Admin): Promise<void> {
  const topics = Object.values(Topics);
  for (const deadline = Date.now() + LEADERS_TIMEOUT_MS; ; ) {
    // A topic without leaders may also be reported as a retriable error.
    const found = await admin.fetchTopicMetadata({ topics }).then(
      (metadata) => metadata.topics,
      (err: { retriable?: boolean }) => {
        if (err.retriable) return [];
        throw err;
      },
    );
    if (found.length === topics.length && found.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    if (Date.now() > deadline) throw new Error(`Kafka topics have no leaders after ${LEADERS_TIMEOUT_MS / 1000} s: ${topics.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
