import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEvent } from '@jitsuin/events';
import { makePdf } from '@jitsuin/testkit';
import { callUnary, collectEvents, mortgageRequest, startTestService, upload, type TestService } from './harness.js';

let t: TestService;
beforeAll(async () => {
  t = await startTestService();
});
afterAll(async () => {
  await t?.stop();
});

describe('lifecycle events', () => {
  it('every state change reaches Kafka through the outbox, in order, keyed by the contract', async () => {
    const tenantId = `bank-${randomUUID().slice(0, 8)}`;
    const collector = await collectEvents(tenantId);
    try {
      const document = await upload(t.client, tenantId, makePdf(4096));
      const { contract } = await callUnary(t.client.createContract.bind(t.client), mortgageRequest(tenantId, [document.id]));
      await callUnary(t.client.sendContract.bind(t.client), { tenantId, contractId: contract!.id });
      await callUnary(t.client.voidContract.bind(t.client), { tenantId, contractId: contract!.id, comment: 'wrong rate' });

      await expect.poll(() => collector.events.length, { timeout: 20_000 }).toBe(5);
      const ofContract = collector.events.filter((e) => e.subject === contract!.id);
      expect(ofContract.map((e) => e.type)).toEqual(['contract.created', 'contract.sent', 'contract.step_opened', 'contract.voided']);
      expect(collector.events.find((e) => e.type === 'document.uploaded')?.subject).toBe(document.id);

      const sent = ofContract[1]!;
      expect(sent.payload?.$case === 'contractSent' && sent.payload.value.parties.map((p) => p.partyId)).toEqual([
        'borrower',
        'co-borrower',
        'guarantor',
        'bank',
      ]);
      const opened = ofContract[2]!;
      expect(opened.payload?.$case === 'contractStepOpened' && opened.payload.value.partyIds).toEqual(['borrower', 'co-borrower']);
      // The basic-4 facts stay in the contract: no event carries a name, address or birth date.
      for (const event of collector.events) {
        const bytes = encodeEvent(event).toString('utf8');
        expect(bytes).not.toMatch(/山田|鈴木|千代田|1985-04-01/);
      }
    } finally {
      await collector.stop();
    }
  });
});
