import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryStatus } from '@jitsuin/proto/notification/v1/notification';
import { startReceiver, type HttpReceiver } from '@jitsuin/testkit/receivers';
import {
  baseConfig,
  callUnary,
  closePublisher,
  event,
  listDeliveries,
  newTenant,
  publish,
  setConfig,
  startTestService,
  type TestService,
} from './harness.js';

let a: TestService;
let b: TestService;
let receiver: HttpReceiver;
beforeAll(async () => {
  receiver = await startReceiver();
  a = await startTestService({ batchSize: 5 });
  // One database, but a consumer group of its own: both replicas see every event and plan
  // the same deliveries, and both dispatchers race for them — the worst case for duplicates.
  b = await startTestService({ mongoUrl: a.config.mongoUrl, batchSize: 5 });
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await receiver?.stop();
  await closePublisher();
});

describe('several replicas', () => {
  it('each event reaches each webhook once, though two processes handle it and race to send it', async () => {
    const tenantId = newTenant();
    const hooks = ['one', 'two', 'three'].map((name) => `${name}-${tenantId}`);
    await setConfig(a, baseConfig(tenantId, { webhooks: hooks.map((name) => ({ url: `${receiver.url}/${name}`, keys: [{ keyId: 'k', secret: `s-${randomUUID()}-${randomUUID()}` }], eventTypes: [] })) }));
    const events = Array.from({ length: 20 }, (_, i) => {
      const contractId = `c-${i}-${randomUUID().slice(0, 6)}`;
      return event(tenantId, contractId, { $case: 'contractCompleted', value: { contractId } });
    });
    await publish(...events);

    const ours = () => receiver.requests.filter((r) => hooks.some((h) => r.path === `/${h}`));
    await expect.poll(() => ours().length, { timeout: 60_000 }).toBe(events.length * hooks.length);
    // Every delivery DELIVERED after exactly one attempt (no second send went out meanwhile);
    // the receiver has the requests a moment before the attempts are recorded.
    const logOf = async () => (await Promise.all(events.map((e) => listDeliveries(b, tenantId, e.id)))).flat();
    await expect.poll(async () => (await logOf()).every((d) => d.status === DeliveryStatus.DELIVERY_STATUS_DELIVERED), { timeout: 30_000 }).toBe(true);
    const log = [await logOf()];
    expect(log.flat()).toHaveLength(events.length * hooks.length);
    for (const delivery of log.flat()) expect([delivery.status, delivery.attempts]).toEqual([DeliveryStatus.DELIVERY_STATUS_DELIVERED, 1]);
    const pairs = ours().map((r) => `${r.path} ${r.headers['jitsuin-event-id']}`);
    expect(new Set(pairs).size).toBe(pairs.length);

    // The log in pages, newest first: every delivery once.
    const seen: string[] = [];
    let pageToken = '';
    do {
      const page = await callUnary(a.client.listDeliveries.bind(a.client), { tenantId, eventId: '', pageSize: 25, pageToken, status: 0 });
      expect(page.deliveries.length).toBeLessThanOrEqual(25);
      seen.push(...page.deliveries.map((d) => d.id));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(seen).toHaveLength(events.length * hooks.length);
    expect(new Set(seen).size).toBe(seen.length);
  });
});
