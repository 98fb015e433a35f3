import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { SERVICE_ACCESS, SERVICE_PRINCIPALS, Topics, type KafkaSasl, type ServicePrincipal } from '@jitsuin/events';
import { testInfra } from '@jitsuin/testkit/vitest';

/**
 * The broker the testkit runs logs everyone in (SCRAM) and lets each service principal do what
 * its row of SERVICE_ACCESS says and nothing else. Needs the principals' logins, which only the
 * testkit's own SASL broker has: against an external or plaintext broker this file is skipped.
 */

const { kafka, kafkaLogins } = testInfra();
const logins = kafkaLogins;
const TOPICS = Object.values(Topics);

/** A client that gives up at once: a refusal is the answer, not something to retry. */
function client(sasl?: KafkaSasl, extra: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId: 'kafka-access-test',
    brokers: kafka.brokers,
    ...(sasl && { sasl: { ...sasl } as SASLOptions }),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    retry: { retries: 0 },
    ...extra,
  });
}

const login = (name: ServicePrincipal): KafkaSasl => logins[name]!.sasl;

/** The broker's error code behind a kafkajs error (kafkajs wraps some in errors of its own). */
function errorType(err: unknown): string {
  for (let e = err as { type?: string; cause?: unknown; originalError?: unknown; message?: string } | undefined; e; e = (e.cause ?? e.originalError) as typeof e) {
    if (e.type) return e.type;
  }
  return (err as Error).message ?? String(err);
}

/**
 * Whether `sasl` may write to `topic`, without writing anything: the record is larger than any
 * Jitsuin topic takes, so a producer that passes the broker's authorization is refused for its
 * size (MESSAGE_TOO_LARGE) and one that does not for the topic (TOPIC_AUTHORIZATION_FAILED).
 */
async function produceRefusal(sasl: KafkaSasl, topic: string): Promise<string> {
  const producer = client(sasl).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ key: 'kafka-access-test', value: Buffer.alloc(3 * 1024 * 1024) }] });
    return 'written';
  } catch (err) {
    return errorType(err);
  } finally {
    await producer.disconnect();
  }
}

/** Joins `groupId` on `topic` as `sasl` and fetches once: 'fetched', or the error it crashed with. */
async function consumeOnce(sasl: KafkaSasl, groupId: string, topic: string): Promise<string> {
  const consumer = client(sasl).consumer({ groupId, maxWaitTimeInMs: 100, retry: { retries: 0, restartOnFailure: async () => false } });
  await consumer.connect();
  try {
    return await new Promise<string>((resolve) => {
      consumer.on(consumer.events.FETCH, () => resolve('fetched'));
      consumer.on(consumer.events.CRASH, (e) => resolve(errorType(e.payload.error)));
      consumer
        .subscribe({ topics: [topic] })
        .then(() => consumer.run({ eachMessage: async () => undefined }))
        .catch((err: unknown) => resolve(errorType(err)));
    });
  } finally {
    await consumer.disconnect();
  }
}

describe.skipIf(!logins.admin)('Kafka logins and ACLs (the testkit broker)', () => {
  it('refuses a client that does not log in, and a wrong password', async () => {
    const anonymous = client().admin();
    await expect(anonymous.connect().then(() => anonymous.listTopics())).rejects.toThrow();
    await anonymous.disconnect();

    const wrong = client({ ...login('notification'), password: 'not-the-password' }).admin();
    await expect(wrong.connect()).rejects.toMatchObject({ name: 'KafkaJSSASLAuthenticationError' });
    await wrong.disconnect();
  });

  it('refuses the notification service a write to the verification topic', async () => {
    expect(await produceRefusal(login('notification'), Topics.verification)).toBe('TOPIC_AUTHORIZATION_FAILED');
  });

  describe.each(SERVICE_PRINCIPALS)('the %s principal', (name) => {
    const row = SERVICE_ACCESS[name];

    it('writes exactly to the topics its row names', async () => {
      const answers = Object.fromEntries(await Promise.all(TOPICS.map(async (topic) => [topic, await produceRefusal(login(name), topic)] as const)));
      const expected = Object.fromEntries(TOPICS.map((topic) => [topic, row.produces.includes(topic) ? 'MESSAGE_TOO_LARGE' : 'TOPIC_AUTHORIZATION_FAILED']));
      expect(answers).toEqual(expected);
    });

    it('reads exactly the topics its row names, in a group of its own prefix', async () => {
      const group = `${row.groupPrefixes[0]}-acl-test-${randomUUID()}`;
      const answers = Object.fromEntries(await Promise.all(TOPICS.map(async (topic) => [topic, await consumeOnce(login(name), `${group}-${topic}`, topic)] as const)));
      const expected = Object.fromEntries(TOPICS.map((topic) => [topic, row.consumes.includes(topic) ? 'fetched' : 'TOPIC_AUTHORIZATION_FAILED']));
      expect(answers).toEqual(expected);
    });

    it('joins no group outside its prefixes', async () => {
      const topic = row.consumes[0]!;
      // The broker answers FindCoordinator with GROUP_AUTHORIZATION_FAILED, which kafkajs
      // reports as a coordinator it cannot find; the same principal on the same topic in a group
      // of its prefix fetches.
      expect(await consumeOnce(login(name), `acl-test-${randomUUID()}`, topic)).toMatch(/^(GROUP_AUTHORIZATION_FAILED|Failed to find group coordinator)$/);
      expect(await consumeOnce(login(name), `${row.groupPrefixes[0]}-acl-test-${randomUUID()}`, topic)).toBe('fetched');
    });
  });
});
