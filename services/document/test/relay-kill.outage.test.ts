import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testIssuer } from '@jitsuin/testkit/tokens';
import { testInfra } from '@jitsuin/testkit/vitest';
import { makePdf } from '@jitsuin/testkit';
import { isDuplicateKeyError } from '@jitsuin/events';
import { callUnary, collectEvents, mortgageRequest, startTestService, upload, type TestService } from './harness.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const CONTRACTS = 120;

let t: TestService;
let db: mongoose.Connection;
beforeAll(async () => {
  // The service writes its changes and events; only the separate relay process publishes them.
  t = await startTestService({ runRelay: false });
  db = await mongoose.createConnection(t.config.mongoUrl).asPromise();
});
afterAll(async () => {
  await db?.close();
  await t?.stop();
});

function startRelay(options: { batchSize: number }): ChildProcess {
  // One process (node with tsx's loader), so that a signal reaches the relay itself.
  const relay = spawn(process.execPath, ['--import', 'tsx', 'services/document/src/relay-main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DOCUMENT_MONGO_URL: t.config.mongoUrl,
      ...testInfra().kafkaEnv,
      ...testIssuer().env,
      RELAY_BATCH_SIZE: String(options.batchSize),
      RELAY_LEASE_MS: '1000',
      RELAY_POLL_MS: '50',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return relay;
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

async function pendingEventIds(): Promise<string[]> {
  const ids: string[] = [];
  for (const name of ['contracts', 'documents']) {
    const records = await db.collection(name).find({ outboxPending: true }, { projection: { outbox: 1 } }).toArray();
    for (const record of records) ids.push(...(record.outbox as { _id: string }[]).map((e) => e._id));
  }
  return ids;
}

describe('outbox relay killed mid-publish', () => {
  it('after a restart every event reaches the consumer, and each is applied exactly once', async () => {
    const tenantId = `bank-${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < CONTRACTS; i++) {
      const document = await upload(t.client, tenantId, makePdf(2048));
      const { contract } = await callUnary(t.client.createContract.bind(t.client), mortgageRequest(tenantId, [document.id]));
      await callUnary(t.client.sendContract.bind(t.client), { tenantId, contractId: contract!.id });
    }
    const expected = await pendingEventIds();
    expect(expected).toHaveLength(CONTRACTS * 4);

    // The consumer applies an event by recording its id: a redelivery changes nothing.
    const applied = db.collection<{ _id: string }>('applied');
    let redelivered = 0;
    const collector = await collectEvents(tenantId, {
      onEvent: async (event) => {
        try {
          await applied.insertOne({ _id: event.id });
        } catch (err) {
          if (!isDuplicateKeyError(err)) throw err;
          redelivered += 1;
        }
      },
    });
    try {
      // Killed once it has published and cleared some of the outboxes: one document per batch
      // leaves it hundreds of batches to go, several writes each.
      const first = startRelay({ batchSize: 1 });
      await expect.poll(async () => (await pendingEventIds()).length, { timeout: 60_000, interval: 5 }).toBeLessThan(expected.length);
      first.kill('SIGKILL');
      await exited(first);
      // It died with work left: this is a kill mid-publish, not after.
      const left = await pendingEventIds();
      expect(left.length).toBeGreaterThan(0);

      const second = startRelay({ batchSize: 5 });
      try {
        await expect.poll(() => applied.countDocuments(), { timeout: 60_000 }).toBe(expected.length);
        await expect.poll(pendingEventIds, { timeout: 10_000 }).toEqual([]);
      } finally {
        second.kill('SIGTERM');
        expect(await exited(second)).toBe(0);
      }
      const appliedIds = (await applied.find().toArray()).map((d) => d._id).sort();
      expect(appliedIds).toEqual([...expected].sort());
      // Whatever Kafka delivered twice was applied once.
      expect(collector.events.length).toBe(expected.length + redelivered);
    } finally {
      await collector.stop();
    }
  });
});
