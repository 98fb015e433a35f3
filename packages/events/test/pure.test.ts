import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JitsuinError } from '@jitsuin/errors';
import { Topics, isDuplicateKeyError, kafkaConnectionEnv, kafkaConnectionFromEnv, topicForType } from '../src/index.js';
import { backoffDelay, sleep } from '../src/backoff.js';
import { deadLetterMessage, truncateUtf8 } from '../src/dead-letter.js';

describe('topicForType', () => {
  it.each([
    ['contract.created', Topics.contract],
    ['contract.step_opened', Topics.contract],
    ['document.uploaded', Topics.contract],
    ['revision.added', Topics.contract],
    ['signature.applied', Topics.signature],
    ['verification.completed', Topics.verification],
    ['certificate.status_changed', Topics.verification],
  ])('%s → %s', (type, topic) => expect(topicForType(type)).toBe(topic));

  it('refuses an unknown domain as INVALID_ARGUMENT', () => {
    expect(() => topicForType('invoice.paid')).toThrow(JitsuinError);
  });
});

describe('backoffDelay', () => {
  const b = { initialMs: 100, maxMs: 5_000 };
  it('doubles from initialMs and stays within [ceiling/2, ceiling]', () => {
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, b, () => 1))).toEqual([100, 200, 400, 800]);
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, b, () => 0))).toEqual([50, 100, 200, 400]);
  });
  it('is capped at maxMs', () => {
    expect(backoffDelay(30, b, () => 1)).toBe(5_000);
  });
});

describe('sleep', () => {
  it('returns false at once when aborted', async () => {
    const ac = new AbortController();
    const slept = sleep(60_000, ac.signal);
    ac.abort();
    expect(await slept).toBe(false);
  });
  it('returns true after the time', async () => {
    expect(await sleep(1, new AbortController().signal)).toBe(true);
  });
});

describe('deadLetterMessage', () => {
  it('keeps key, value and headers and adds where and why', () => {
    const m = deadLetterMessage({
      topic: 'jitsuin.contract.v1',
      partition: 2,
      message: {
        key: Buffer.from('c-1'),
        value: Buffer.from([1, 2, 3]),
        headers: { 'event-id': 'e-1' },
        offset: '41',
        timestamp: '0',
        attributes: 0,
      },
      error: new Error('é'.repeat(2000)),
      groupId: 'g',
      attempts: 5,
      now: new Date('2030-01-01T00:00:00Z'),
    });
    expect(m.key).toEqual(Buffer.from('c-1'));
    expect(m.value).toEqual(Buffer.from([1, 2, 3]));
    expect(m.headers).toMatchObject({
      'event-id': 'e-1',
      'dlq-original-topic': 'jitsuin.contract.v1',
      'dlq-original-partition': '2',
      'dlq-original-offset': '41',
      'dlq-consumer-group': 'g',
      'dlq-failed-at': '2030-01-01T00:00:00.000Z',
    });
    expect(Buffer.byteLength(m.headers!['dlq-error'] as string)).toBe(1024);
  });

  it('truncates UTF-8 without splitting a character', () => {
    expect(truncateUtf8('aé', 2)).toBe('a');
    expect(truncateUtf8('abc', 3)).toBe('abc');
  });
});

describe('isDuplicateKeyError', () => {
  it('recognises code 11000 only', () => {
    expect(isDuplicateKeyError(Object.assign(new Error('E11000'), { code: 11000 }))).toBe(true);
    expect(isDuplicateKeyError({ code: 121 })).toBe(false);
    expect(isDuplicateKeyError(null)).toBe(false);
    expect(isDuplicateKeyError('E11000')).toBe(false);
  });
});

describe('kafkaConnectionFromEnv', () => {
  it('is plaintext without SASL settings, as before principals', () => {
    expect(kafkaConnectionFromEnv({ KAFKA_BROKERS: 'a:9092, b:9092' })).toEqual({ brokers: ['a:9092', 'b:9092'] });
  });

  it('logs in with the password from KAFKA_PASSWORD_FILE (a mounted secret), over TLS when KAFKA_SSL says so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafka-env-'));
    const file = join(dir, 'password');
    writeFileSync(file, 's3cret\n');
    expect(kafkaConnectionFromEnv({ KAFKA_BROKERS: 'k:9093', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_USERNAME: 'document', KAFKA_PASSWORD_FILE: file, KAFKA_SSL: 'true' })).toEqual({
      brokers: ['k:9093'],
      sasl: { mechanism: 'scram-sha-512', username: 'document', password: 's3cret' },
      ssl: true,
    });
  });

  it('round-trips through the environment it gives a child process, which overrides an inherited password file', () => {
    const connection = { brokers: ['k:1'], sasl: { mechanism: 'scram-sha-256' as const, username: 'test', password: 'p' } };
    expect(kafkaConnectionFromEnv({ KAFKA_PASSWORD_FILE: '/inherited', ...kafkaConnectionEnv(connection) })).toEqual(connection);
    expect(kafkaConnectionFromEnv({ KAFKA_USERNAME: 'inherited', KAFKA_PASSWORD: 'x', ...kafkaConnectionEnv({ brokers: ['k:1'] }) })).toEqual({ brokers: ['k:1'] });
  });

  it.each([
    [{ KAFKA_USERNAME: 'document', KAFKA_PASSWORD: 'p' }, /KAFKA_SASL_MECHANISM is not/],
    [{ KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_USERNAME: 'document', KAFKA_PASSWORD: 'p' }, /must be one of scram-sha-512, scram-sha-256, plain/],
    [{ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_PASSWORD: 'p' }, /KAFKA_USERNAME is not set/],
    [{ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_USERNAME: 'document' }, /neither KAFKA_PASSWORD nor KAFKA_PASSWORD_FILE/],
    [{ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_USERNAME: 'document', KAFKA_PASSWORD_FILE: '/no/such/file' }, /KAFKA_PASSWORD_FILE \/no\/such\/file cannot be read/],
    [{ KAFKA_SSL: 'maybe' }, /KAFKA_SSL must be true or false/],
  ])('refuses settings that cannot log in: %o', (env, message) => {
    expect(() => kafkaConnectionFromEnv(env)).toThrow(message);
  });
});
