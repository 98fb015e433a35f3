import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryStatus } from '@jitsuin/proto/notification/v1/notification';
import { startReceiver, type HttpReceiver, type ReceivedRequest } from '@jitsuin/testkit/receivers';
import {
  baseConfig,
  callUnary,
  closePublisher,
  event,
  listDeliveries,
  mortgageStart,
  newTenant,
  publish,
  setConfig,
  startTestService,
  type TestService,
} from './harness.js';

type Verify = (header: unknown, rawBody: Buffer | string, secrets: Record<string, string>, options?: { toleranceSeconds?: number; now?: number }) => boolean;

/** The receiver code exactly as the README shows it. */
async function readmeVerifier(): Promise<Verify> {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const block = /<!-- receiver-sample:start -->\s*```js\n([\s\S]*?)```\s*<!-- receiver-sample:end -->/.exec(readme);
  if (!block) throw new Error('the README has no receiver sample between its markers');
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'jitsuin-receiver-')), 'verify.mjs');
  writeFileSync(file, block[1]!);
  return ((await import(pathToFileURL(file).href)) as { verifyJitsuinSignature: Verify }).verifyJitsuinSignature;
}

const secret = (label: string) => `${label}-${randomUUID()}-${randomUUID()}`;

let t: TestService;
let verify: Verify;
let receiver: HttpReceiver;
beforeAll(async () => {
  verify = await readmeVerifier();
  receiver = await startReceiver();
  t = await startTestService();
});
afterAll(async () => {
  await t?.stop();
  await receiver?.stop();
  await closePublisher();
});

/** A webhook of its own on the shared receiver, and the requests that reached it. */
function hook(name = randomUUID().slice(0, 8)) {
  const url = `${receiver.url}/hooks/${name}`;
  return { url, requests: () => receiver.requests.filter((r) => r.path === `/hooks/${name}`) };
}

const bodyOf = (r: ReceivedRequest) => JSON.parse(r.body.toString('utf8')) as Record<string, unknown>;

describe('webhooks', () => {
  it('signs each request so that the README receiver code accepts it, and refuses tampering', async () => {
    const tenantId = newTenant();
    const h = hook();
    const key = { keyId: 'k1', secret: secret('k1') };
    await setConfig(t, baseConfig(tenantId, { webhooks: [{ url: h.url, keys: [key], eventTypes: ['contract.completed'] }] }));
    const contractId = `c-${randomUUID().slice(0, 8)}`;
    const completed = event(tenantId, contractId, { $case: 'contractCompleted', value: { contractId, finalRevisionIds: ['r-9'] } });
    await publish(completed);

    await expect.poll(() => h.requests().length, { timeout: 30_000 }).toBe(1);
    const request = h.requests()[0]!;
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    expect(request.headers['jitsuin-event-id']).toBe(completed.id);
    expect(request.headers['jitsuin-event-type']).toBe('contract.completed');
    expect(bodyOf(request)).toMatchObject({
      id: request.headers['jitsuin-delivery-id'],
      eventId: completed.id,
      type: 'contract.completed',
      tenantId,
      contractId,
      data: { finalRevisionIds: ['r-9'] },
    });
    const header = request.headers['jitsuin-signature'];
    expect(header).toMatch(/^t=\d+,v1=k1:[0-9a-f]{64}$/);
    expect(verify(header, request.body, { k1: key.secret })).toBe(true);
    // Another secret, a changed body, an old timestamp: refused.
    expect(verify(header, request.body, { k1: secret('other') })).toBe(false);
    expect(verify(header, Buffer.from(request.body.toString('utf8').replace('r-9', 'r-8')), { k1: key.secret })).toBe(false);
    expect(verify(header, request.body, { k1: key.secret }, { now: Date.now() + 3_600_000 })).toBe(false);
  });

  it('signs with both keys while one replaces the other, so old and new receivers both verify', async () => {
    const tenantId = newTenant();
    const h = hook();
    const old = { keyId: '2024-12', secret: secret('old') };
    const next = { keyId: '2025-06', secret: secret('new') };
    await setConfig(t, baseConfig(tenantId, { webhooks: [{ url: h.url, keys: [old], eventTypes: [] }] }));
    // Rotation: the old key's secret is sent empty (kept as stored), the new one is added.
    const during = await setConfig(t, baseConfig(tenantId, { webhooks: [{ url: h.url, keys: [{ keyId: old.keyId, secret: '' }, next], eventTypes: [] }] }));
    expect(during.webhooks[0]!.keys).toEqual([{ keyId: '2024-12', secret: '' }, { keyId: '2025-06', secret: '' }]);

    const flow = mortgageStart(tenantId);
    await publish(flow.stepOpened);
    await expect.poll(() => h.requests().length, { timeout: 30_000 }).toBe(1);
    const request = h.requests()[0]!;
    expect(verify(request.headers['jitsuin-signature'], request.body, { [old.keyId]: old.secret })).toBe(true);
    expect(verify(request.headers['jitsuin-signature'], request.body, { [next.keyId]: next.secret })).toBe(true);
    expect(verify(request.headers['jitsuin-signature'], request.body, { [next.keyId]: old.secret })).toBe(false);

    // The old key retired: only the new one signs.
    await setConfig(t, baseConfig(tenantId, { webhooks: [{ url: h.url, keys: [{ keyId: next.keyId, secret: '' }], eventTypes: [] }] }));
    const voided = event(tenantId, flow.contractId, { $case: 'contractVoided', value: { contractId: flow.contractId, comment: '' } });
    await publish(voided);
    await expect.poll(() => h.requests().length, { timeout: 30_000 }).toBe(2);
    const after = h.requests()[1]!;
    expect(verify(after.headers['jitsuin-signature'], after.body, { [old.keyId]: old.secret })).toBe(false);
    expect(verify(after.headers['jitsuin-signature'], after.body, { [next.keyId]: next.secret })).toBe(true);
  });

  it('a receiver that fails 3 times then succeeds gets exactly one successful delivery, logged as 4 attempts', async () => {
    const tenantId = newTenant();
    const h = hook();
    let failures = 3;
    receiver.answer(new URL(h.url).pathname, () => (failures-- > 0 ? 503 : 200));
    await setConfig(t, baseConfig(tenantId, { webhooks: [{ url: h.url, keys: [{ keyId: 'k', secret: secret('k') }], eventTypes: [] }] }));
    const flow = mortgageStart(tenantId);
    await publish(flow.stepOpened);

    await expect
      .poll(async () => (await listDeliveries(t, tenantId, flow.stepOpened.id))[0]?.status, { timeout: 30_000 })
      .toBe(DeliveryStatus.DELIVERY_STATUS_DELIVERED);
    expect(h.requests().map((r) => r.status)).toEqual([503, 503, 503, 200]);
    // The same delivery each time: receivers can drop repeats by its id.
    expect(new Set(h.requests().map((r) => r.headers['jitsuin-delivery-id'])).size).toBe(1);
    expect(new Set(h.requests().map((r) => r.body.toString('utf8'))).size).toBe(1);
    const [delivery] = await listDeliveries(t, tenantId, flow.stepOpened.id);
    expect(delivery).toMatchObject({ attempts: 4, lastError: `HTTP 503 from ${new URL(h.url).host}` });
    expect(delivery!.attemptLog.map((a) => a.succeeded)).toEqual([false, false, false, true]);
    expect(delivery!.attemptLog[0]!.error).toBe(`HTTP 503 from ${new URL(h.url).host}`);
    // One attempt after another, each logged with its own time.
    const times = delivery!.attemptLog.map((a) => a.attemptedAt!.getTime());
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThan(times[i - 1]!);
  });

  it('a receiver that always fails ends in the dead letter after the cap; ReplayDelivery delivers once it recovers', async () => {
    const tenantId = newTenant();
    const h = hook();
    let down = true;
    receiver.answer(new URL(h.url).pathname, () => (down ? 500 : 200));
    await setConfig(t, baseConfig(tenantId, { webhooks: [{ url: h.url, keys: [{ keyId: 'k', secret: secret('k') }], eventTypes: [] }] }));
    const flow = mortgageStart(tenantId);
    await publish(flow.stepOpened);

    await expect
      .poll(async () => (await listDeliveries(t, tenantId, flow.stepOpened.id))[0]?.status, { timeout: 30_000 })
      .toBe(DeliveryStatus.DELIVERY_STATUS_DEAD_LETTERED);
    const [dead] = await listDeliveries(t, tenantId, flow.stepOpened.id);
    expect(dead!.attempts).toBe(t.config.maxAttempts);
    expect(h.requests()).toHaveLength(t.config.maxAttempts);
    expect(dead!.nextAttemptAt).toBeUndefined();
    const deadOnly = await callUnary(t.client.listDeliveries.bind(t.client), {
      tenantId,
      eventId: '',
      pageSize: 10,
      pageToken: '',
      status: DeliveryStatus.DELIVERY_STATUS_DEAD_LETTERED,
    });
    expect(deadOnly.deliveries.map((d) => d.id)).toEqual([dead!.id]);

    down = false;
    const replayed = await callUnary(t.client.replayDelivery.bind(t.client), { tenantId, deliveryId: dead!.id });
    expect(replayed.delivery!.status).toBe(DeliveryStatus.DELIVERY_STATUS_PENDING);
    await expect
      .poll(async () => (await listDeliveries(t, tenantId, flow.stepOpened.id))[0]?.status, { timeout: 30_000 })
      .toBe(DeliveryStatus.DELIVERY_STATUS_DELIVERED);
    expect(h.requests().map((r) => r.status)).toEqual([...Array<number>(t.config.maxAttempts).fill(500), 200]);
    const [delivered] = await listDeliveries(t, tenantId, flow.stepOpened.id);
    expect(delivered!.attempts).toBe(t.config.maxAttempts + 1);
  });

  it('the same event published twice notifies once', async () => {
    const tenantId = newTenant();
    const h = hook();
    await setConfig(t, baseConfig(tenantId, { webhooks: [{ url: h.url, keys: [{ keyId: 'k', secret: secret('k') }], eventTypes: [] }] }));
    const flow = mortgageStart(tenantId);
    // Same contract, so one partition: when the last event is handled, the first two were.
    const sentinel = event(tenantId, flow.contractId, { $case: 'contractSigned', value: { contractId: flow.contractId } });
    await publish(flow.stepOpened);
    await publish(flow.stepOpened);
    await publish(sentinel);

    await expect.poll(() => h.requests().filter((r) => bodyOf(r).eventId === sentinel.id).length, { timeout: 30_000 }).toBe(1);
    expect(h.requests().filter((r) => bodyOf(r).eventId === flow.stepOpened.id)).toHaveLength(1);
    expect(await listDeliveries(t, tenantId, flow.stepOpened.id)).toHaveLength(1);
  });
});
