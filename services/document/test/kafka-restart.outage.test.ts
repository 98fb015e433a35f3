import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePdf } from '@jitsuin/testkit';
import { startKafka, stopKafka } from '@jitsuin/testkit/infra';
import { callUnary, collectEvents, mortgageRequest, startTestService, upload, type TestService } from './harness.js';

let t: TestService;
beforeAll(async () => {
  t = await startTestService();
});
afterAll(async () => {
  await startKafka(); // whatever happened above, leave the broker running for the next file
  await t?.stop();
});

describe('Kafka restarted while state changes are made', () => {
  it('loses no event: changes succeed during the outage and their events arrive afterwards', async () => {
    const tenantId = `bank-${randomUUID().slice(0, 8)}`;
    const collector = await collectEvents(tenantId);
    const contracts: string[] = [];
    let changesDuringOutage = 0;
    let kafkaDown = false;

    const makeChanges = async (until: () => boolean) => {
      while (!until()) {
        const document = await upload(t.client, tenantId, makePdf(2048));
        const { contract } = await callUnary(t.client.createContract.bind(t.client), mortgageRequest(tenantId, [document.id]));
        await callUnary(t.client.sendContract.bind(t.client), { tenantId, contractId: contract!.id });
        contracts.push(contract!.id);
        if (kafkaDown) changesDuringOutage += 1;
      }
    };

    try {
      let outageOver = false;
      const writer = makeChanges(() => outageOver && contracts.length >= changesDuringOutage + 10);
      await expect.poll(() => collector.events.length, { timeout: 30_000 }).toBeGreaterThan(0);
      await stopKafka();
      kafkaDown = true;
      await new Promise((r) => setTimeout(r, 3000));
      await startKafka();
      kafkaDown = false;
      outageOver = true;
      await writer;
      expect(changesDuringOutage).toBeGreaterThan(0);

      const expectedCount = contracts.length * 4; // uploaded, created, sent, step opened
      await expect.poll(() => new Set(collector.events.map((e) => e.id)).size, { timeout: 120_000 }).toBe(expectedCount);
      for (const id of contracts) {
        const types = collector.events.filter((e) => e.subject === id).map((e) => e.type);
        expect(new Set(types)).toEqual(new Set(['contract.created', 'contract.sent', 'contract.step_opened']));
      }
    } finally {
      await collector.stop();
    }
    // Stopping and starting the broker (SASL logins and ACLs checked on every start) takes most of
    // a minute here, before the events of the outage are even awaited.
  }, 240_000);
});
