/**
 * Against the real broker (no mocks). The topics are
 * fixed and shared, so each test uses its own subject, tenant and group ids and filters on them.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { Partitioners, type Kafka, type KafkaMessage, type Producer } from 'kafkajs';
import { invalidArgument } from '@jitsuin/errors';
import {
  EventConsumer,
  EventPublisher,
  Topics,
  createKafka,
  ensureTopics,
  newEvent,
  MAX_EVENT_BYTES,
  decodeEvent,
  encodeEvent,
  type EventEnvelope,
  type EventHandler,
  type EventConsumerOptions,
  type KafkaConnection,
  kafkaConnectionFromEnv,
} from '../src/index.js';

// What the root vitest global setup started, with its test login; else KAFKA_BROKERS (and
// KAFKA_SASL_*) or the default port.
const provided = (inject as (key: string) => KafkaConnection | undefined)('kafka');
const connection = provided ?? kafkaConnectionFromEnv(process.env);
const TIMEOUT = 30_000;

let kafka: Kafka;
let publisher: EventPublisher;
let rawProducer: Producer;
const running: EventConsumer[] = [];

beforeAll(async () => {
  kafka = createKafka({ ...connection, clientId: 'events-test' });
  await ensureTopics(kafka);
  publisher = await EventPublisher.connect(kafka);
  rawProducer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await rawProducer.connect();
}, 60_000);

afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
}, TIMEOUT);

afterAll(async () => {
  await publisher?.close();
  await rawProducer?.disconnect();
});

const unique = (what: string) => `${what}-${randomUUID()}`;

const stepOpened = (subject: string, stepIndex: number, tenantId = 'tenant-test') =>
  newEvent({
    tenantId,
    subject,
    payload: {
      $case: 'contractStepOpened',
      value: { contractId: subject, stepIndex, partyIds: [] },
    },
  });

/** A started consumer on the contract topic that only hands over events for `subject`. */
async function consume(
  subject: string,
  handle: EventHandler,
  options: Partial<EventConsumerOptions> = {},
): Promise<EventConsumer> {
  const consumer = new EventConsumer(kafka, {
    groupId: unique('g'),
    topics: [Topics.contract],
    fromBeginning: true,
    backoff: { initialMs: 10, maxMs: 50 },
    ...options,
    handle: async (event, meta) => {
      if (event.subject === subject) await handle(event, meta);
    },
  });
  running.push(consumer);
  await consumer.start();
  return consumer;
}

/**
 * Reads the dead-letter topic from the start, keeping the letters whose key is `subject` from
 * consumer group `groupId`: other consumers of the topic (services under test elsewhere, or a
 * running platform) may dead-letter the same message, each under its own group.
 */
async function readDeadLetters(subject: string, groupId: string) {
  const messages: KafkaMessage[] = [];
  const consumer = kafka.consumer({ groupId: unique('dlq-reader'), maxWaitTimeInMs: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic: Topics.deadLetter, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.key?.toString() === subject && header(message, 'dlq-consumer-group') === groupId) messages.push(message);
    },
  });
  return { messages, stop: () => consumer.disconnect() };
}

const until = async (check: () => boolean, what: string, ms = 20_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};
const header = (m: KafkaMessage, name: string) => m.headers?.[name]?.toString();

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('EventPublisher + EventConsumer against Kafka', () => {
  it("delivers one subject's events in order", async () => {
    const subject = unique('contract');
    const seen: number[] = [];
    await consume(subject, async (e) => {
      if (e.payload?.$case === 'contractStepOpened') seen.push(e.payload.value.stepIndex);
    });
    const events = Array.from({ length: 20 }, (_, i) => stepOpened(subject, i));
    await publisher.publish(events.slice(0, 10));
    await publisher.publish(events.slice(10));
    await until(() => seen.length >= 20, '20 events');
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
  }, TIMEOUT);

  it('retries a failing handler and handles the event once it succeeds', async () => {
    const subject = unique('contract');
    const attempts: number[] = [];
    const handled: string[] = [];
    await consume(subject, async (e, meta) => {
      attempts.push(meta.attempt);
      if (meta.attempt < 3) throw new Error('database briefly away');
      handled.push(e.id);
    });
    const event = stepOpened(subject, 0);
    await publisher.publish([event]);
    await until(() => handled.length === 1, 'the event to be handled');
    await new Promise((r) => setTimeout(r, 500)); // nothing more should arrive
    expect(attempts).toEqual([1, 2, 3]);
    expect(handled).toEqual([event.id]);
  }, TIMEOUT);

  it('dead-letters after maxAttempts, with the original bytes, and goes on', async () => {
    const subject = unique('contract');
    const groupId = unique('g');
    const [bad, good] = [stepOpened(subject, 0), stepOpened(subject, 1)];
    let badCalls = 0;
    const handled: string[] = [];
    await consume(
      subject,
      async (e) => {
        if (e.id === bad.id) {
          badCalls++;
          throw new Error(`handler broke on ${e.id}`);
        }
        handled.push(e.id);
      },
      { groupId, maxAttempts: 3 },
    );
    await publisher.publish([bad, good]);
    await until(() => handled.length === 1, 'the next message to be handled');
    expect(badCalls).toBe(3);
    expect(handled).toEqual([good.id]);

    const dlq = await readDeadLetters(subject, groupId);
    try {
      await until(() => dlq.messages.length >= 1, 'the dead letter');
      await new Promise((r) => setTimeout(r, 500));
      expect(dlq.messages).toHaveLength(1);
      const letter = dlq.messages[0]!;
      expect(decodeEvent(letter.value)).toEqual(bad);
      expect(header(letter, 'event-id')).toBe(bad.id);
      expect(header(letter, 'dlq-original-topic')).toBe(Topics.contract);
      expect(header(letter, 'dlq-original-partition')).toMatch(/^[0-2]$/);
      expect(header(letter, 'dlq-original-offset')).toMatch(/^\d+$/);
      expect(header(letter, 'dlq-error')).toBe(`handler broke on ${bad.id}`);
      expect(header(letter, 'dlq-consumer-group')).toBe(groupId);
      expect(Date.parse(header(letter, 'dlq-failed-at') ?? '')).not.toBeNaN();
      expect(header(letter, 'dlq-attempts')).toBe('3');
    } finally {
      await dlq.stop();
    }
  }, TIMEOUT);

  it('dead-letters an INVALID_ARGUMENT handler error without retrying', async () => {
    const subject = unique('contract');
    const groupId = unique('g');
    let calls = 0;
    await consume(
      subject,
      async () => {
        calls++;
        throw invalidArgument('the contract is not in a state that accepts this event');
      },
      { groupId },
    );
    await publisher.publish([stepOpened(subject, 0)]);
    const dlq = await readDeadLetters(subject, groupId);
    try {
      await until(() => dlq.messages.length === 1, 'the dead letter');
      expect(calls).toBe(1);
      expect(header(dlq.messages[0]!, 'dlq-attempts')).toBe('1');
    } finally {
      await dlq.stop();
    }
  }, TIMEOUT);

  it('dead-letters a malformed message without calling the handler, then goes on', async () => {
    const subject = unique('contract');
    const groupId = unique('g');
    const calls: string[] = [];
    await consume(
      subject,
      async (e) => {
        calls.push(e.id);
      },
      { groupId },
    );
    const garbage = Buffer.from('this is not a protobuf envelope');
    await rawProducer.send({ topic: Topics.contract, messages: [{ key: subject, value: garbage }] });
    const next = stepOpened(subject, 1);
    await publisher.publish([next]);
    await until(() => calls.length === 1, 'the next event');
    expect(calls).toEqual([next.id]);

    const dlq = await readDeadLetters(subject, groupId);
    try {
      await until(() => dlq.messages.length === 1, 'the dead letter');
      const letter = dlq.messages[0]!;
      expect(letter.value).toEqual(garbage);
      expect(header(letter, 'dlq-attempts')).toBe('0');
      // The same words decodeEvent gives (these bytes parse as an envelope with no fields).
      const why = (() => {
        try {
          decodeEvent(garbage);
        } catch (err) {
          return (err as Error).message;
        }
      })();
      expect(header(letter, 'dlq-error')).toBe(why);
    } finally {
      await dlq.stop();
    }
  }, TIMEOUT);

  it('stop() finishes and commits the message in flight; the group does not see it again', async () => {
    const subject = unique('contract');
    const groupId = unique('g');
    const [e0, e1, e2] = [0, 1, 2].map((i) => stepOpened(subject, i)) as [
      EventEnvelope,
      EventEnvelope,
      EventEnvelope,
    ];
    const entered = deferred();
    const release = deferred();
    const first: string[] = [];
    const a = await consume(
      subject,
      async (e) => {
        if (e.id === e1.id) {
          entered.resolve();
          await release.promise;
        }
        first.push(e.id);
      },
      { groupId },
    );
    await publisher.publish([e0, e1, e2]);
    await entered.promise;

    let stopped = false;
    const stopping = a.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(stopped).toBe(false); // waits for the handler in flight
    release.resolve();
    await stopping;
    expect(first).toEqual([e0.id, e1.id]);

    const second: string[] = [];
    await consume(subject, async (e) => void second.push(e.id), { groupId });
    await until(() => second.length >= 1, 'the rest of the stream');
    await new Promise((r) => setTimeout(r, 1_000)); // a re-delivery would show up by now
    expect(second).toEqual([e2.id]);
  }, TIMEOUT);
});

describe('size limits against Kafka', () => {
  it('carries an event just under MAX_EVENT_BYTES, and dead-letters it whole', async () => {
    const subject = unique('contract');
    const groupId = unique('g');
    let calls = 0;
    await consume(
      subject,
      async () => {
        calls++;
        throw new Error('always');
      },
      { groupId, maxAttempts: 1 },
    );
    const big = newEvent({
      tenantId: 'tenant-test',
      subject,
      payload: {
        $case: 'contractVoided',
        value: { contractId: subject, comment: 'x'.repeat(MAX_EVENT_BYTES - 400), reason: 0 },
      },
    });
    const bytes = encodeEvent(big);
    expect(bytes.length).toBeGreaterThan(MAX_EVENT_BYTES - 300);
    await publisher.publish([big]);
    const dlq = await readDeadLetters(subject, groupId);
    try {
      await until(() => dlq.messages.length === 1, 'the dead letter');
      expect(calls).toBe(1);
      expect(dlq.messages[0]!.value).toEqual(bytes);
    } finally {
      await dlq.stop();
    }
  }, TIMEOUT);
});
