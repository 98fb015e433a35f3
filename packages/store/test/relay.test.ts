import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboxCollection, OutboxRelay } from '@jitsuin/events';
import { testInfra } from '@jitsuin/testkit/vitest';
import { insertWithEvents, kafkaOutboxRelay, outboxEntries } from '../src/index.js';

let connection: mongoose.Connection;
let relay: OutboxRelay | undefined;

beforeAll(async () => {
  const url = new URL(testInfra().mongoUrl);
  url.pathname = `/relay_test_${randomUUID().slice(0, 8)}`;
  connection = await mongoose.createConnection(url.toString()).asPromise();
});
afterAll(async () => {
  await relay?.stop();
  await connection?.dropDatabase();
  await connection?.close();
});

const logger = { warn: () => {} } as never;
const sent = (contractId: string) => outboxEntries('tenant-relay-test', contractId, [{ $case: 'contractSent', value: { contractId, documentIds: [], parties: [] } }]);

describe('the outbox relay', () => {
  it('publishes a change it is told of at once, also when told while it was looking through the collection', async () => {
    const records = connection.collection('records');
    let nudgedDuringScan: string | undefined;
    // The collection as the relay sees it: during its first look for pending events, another
    // change is written and the relay told of it (a request served while the relay is busy).
    const watched: OutboxCollection = {
      collectionName: records.collectionName,
      updateOne: (filter, update) => records.updateOne(filter, update),
      find(filter, options) {
        const scan = records.find(filter, options);
        return {
          async toArray() {
            const found = await scan.toArray();
            if (!nudgedDuringScan && 'outboxPending' in filter) {
              nudgedDuringScan = randomUUID();
              await insertWithEvents(records as never, { id: nudgedDuringScan }, sent(nudgedDuringScan));
              relay!.nudge(records.collectionName, nudgedDuringScan);
            }
            return found;
          },
        };
      },
    };
    // Looks through the collection once a minute: only a nudge can get the change out sooner.
    relay = kafkaOutboxRelay('relay-test', { kafka: testInfra().kafka, relayLeaseMs: 10_000, relayPollMs: 60_000, relayBatchSize: 10 }, [watched], logger);
    relay.start();

    const pending = (id: string) => records.findOne({ _id: id as never }).then((r) => r?.outboxPending);
    await expect.poll(() => nudgedDuringScan, { timeout: 10_000 }).toBeDefined();
    await expect.poll(() => pending(nudgedDuringScan!), { timeout: 15_000 }).toBe(false);

    const later = randomUUID();
    await insertWithEvents(records as never, { id: later }, sent(later));
    relay.nudge(records.collectionName, later);
    await expect.poll(() => pending(later), { timeout: 15_000 }).toBe(false);
  });
});
