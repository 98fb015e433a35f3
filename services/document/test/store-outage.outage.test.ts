import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePdf } from '@jitsuin/testkit';
import { startFerretDb, stopFerretDb } from '@jitsuin/testkit/infra';
import { callClientStream, callUnary, mortgageRequest, startTestService, statusOf, upload, uploadMessages, type TestService } from './harness.js';

let t: TestService;
beforeAll(async () => {
  t = await startTestService();
});
afterAll(async () => {
  await startFerretDb();
  await t?.stop();
});

describe('the document store goes away', () => {
  it('answers UNAVAILABLE while it is away, and serves again once it is back', async () => {
    const tenantId = `bank-${randomUUID().slice(0, 8)}`;
    const document = await upload(t.client, tenantId, makePdf(4096));
    const { contract } = await callUnary(t.client.createContract.bind(t.client), mortgageRequest(tenantId, [document.id]));

    await stopFerretDb();
    const read = await statusOf(callUnary(t.client.getContract.bind(t.client), { tenantId, contractId: contract!.id }));
    expect(read.code).toBe(status.UNAVAILABLE);
    expect(read.details).toMatch(/store is unavailable/);
    const change = await statusOf(callUnary(t.client.sendContract.bind(t.client), { tenantId, contractId: contract!.id }));
    expect(change.code).toBe(status.UNAVAILABLE);
    const stored = await statusOf(callClientStream(t.client.uploadDocument.bind(t.client), uploadMessages(tenantId, makePdf(4096))));
    expect(stored.code).toBe(status.UNAVAILABLE);

    await startFerretDb();
    await expect
      .poll(async () => (await callUnary(t.client.getContract.bind(t.client), { tenantId, contractId: contract!.id }).catch(() => undefined))?.contract?.id, {
        timeout: 30_000,
        interval: 500,
      })
      .toBe(contract!.id);
    // The refused change did not happen; it can be made now.
    const { contract: sent } = await callUnary(t.client.sendContract.bind(t.client), { tenantId, contractId: contract!.id });
    expect(sent?.version).toBe(contract!.version + 1);
  });
});
