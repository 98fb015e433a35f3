import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { Topics, type KafkaConnection } from '@jitsuin/events';
import { startKafkaBroker, stopKafkaBroker, type KafkaOptions } from '@jitsuin/testkit/infra';
import { freePort } from '@jitsuin/testkit/pki';

/**
 * A broker of ours still running without SASL (started before SASL became the default) is
 * noticed and started again with SASL and ACLs, not silently reused. A broker of this test's
 * own (its own directory and ports), never the one the other tests use.
 */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jitsuin-kafka-security-'));
let opts: KafkaOptions;

afterAll(async () => {
  if (opts) await stopKafkaBroker(opts);
  fs.rmSync(dir, { recursive: true, force: true });
});

async function topicsSeenBy(connection: KafkaConnection): Promise<string[]> {
  const admin = new Kafka({
    clientId: 'kafka-security-test',
    brokers: connection.brokers,
    ...(connection.sasl && { sasl: { ...connection.sasl } as SASLOptions }),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    return (await admin.listTopics()).sort();
  } finally {
    await admin.disconnect();
  }
}

describe('a broker of ours without SASL', () => {
  it('is restarted with SASL, its data formatted again with the principals, its topics and ACLs made', async () => {
    opts = { dir, port: await freePort(), controllerPort: await freePort() };
    const before = await startKafkaBroker({ ...opts, security: 'plaintext' }, () => {});
    expect(before.kafkaLogins).toBeUndefined();
    expect(await topicsSeenBy(before.kafka)).toEqual([]);

    const lines: string[] = [];
    const after = await startKafkaBroker({ ...opts, security: 'sasl' }, (line) => lines.push(line));
    expect(lines.some((line) => line.includes('accepts clients without SASL; restarting it with SASL and ACLs'))).toBe(true);
    expect(lines.some((line) => line.includes('formatting it again'))).toBe(true);

    await expect(topicsSeenBy({ brokers: after.kafka.brokers })).rejects.toThrow();
    expect(after.kafka.sasl?.username).toBe('test');
    expect(await topicsSeenBy(after.kafka)).toEqual(Object.values(Topics).sort());
    await expect(topicsSeenBy({ brokers: after.kafka.brokers, sasl: { ...after.kafkaLogins!.signing!.sasl, password: 'wrong' } })).rejects.toThrow(/SASL|authentication/i);

    // Started again as it is now: reused, nothing restarted.
    const again: string[] = [];
    await startKafkaBroker({ ...opts, security: 'sasl' }, (line) => again.push(line));
    expect(again).toEqual([]);
  }, 300_000);
});
