import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { createKafka, DeadLetterHeaders, Topics } from '@jitsuin/events';
import { Channel, DeliveryStatus } from '@jitsuin/proto/notification/v1/notification';
import { deadLettersOf } from '@jitsuin/testkit/kafka';
import { startReceiver, type HttpReceiver } from '@jitsuin/testkit/receivers';
import { testInfra } from '@jitsuin/testkit/vitest';
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
  statusOf,
  type TestService,
} from './harness.js';

let t: TestService;
let receiver: HttpReceiver;
let line: HttpReceiver;
beforeAll(async () => {
  receiver = await startReceiver();
  // A stub of the LINE Messaging API.
  line = await startReceiver();
  t = await startTestService({ lineApiBaseUrl: line.url });
});
afterAll(async () => {
  await t?.stop();
  await receiver?.stop();
  await line?.stop();
  await closePublisher();
});

const webhook = (name: string) => ({ url: `${receiver.url}/${name}`, keys: [{ keyId: 'k', secret: `secret-${randomUUID()}-${randomUUID()}` }], eventTypes: [] });
const requestsTo = (name: string) => receiver.requests.filter((r) => r.path === `/${name}`);

describe('events', () => {
  it('sends a malformed message to the dead-letter topic and goes on with the next event', async () => {
    const tenantId = newTenant();
    await setConfig(t, baseConfig(tenantId, { webhooks: [webhook('malformed')] }));
    const contractId = `c-${randomUUID().slice(0, 8)}`;
    const garbage = Buffer.from(`not an event ${randomUUID()}`);
    const kafka = createKafka({ ...testInfra().kafka, clientId: 'notification-test-raw', logLevel: 'NOTHING' });
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic: Topics.contract, messages: [{ key: contractId, value: garbage }] });
    } finally {
      await producer.disconnect();
    }
    const good = event(tenantId, contractId, { $case: 'contractExpired', value: { contractId, deadline: new Date() } });
    // A known event without its contract id is malformed too.
    const noContract = event(tenantId, contractId, { $case: 'contractVoided', value: { contractId: '', comment: '' } });
    await publish(noContract, good);

    await expect.poll(() => requestsTo('malformed').length, { timeout: 30_000 }).toBe(1);
    expect(JSON.parse(requestsTo('malformed')[0]!.body.toString()).eventId).toBe(good.id);
    const letters = await deadLettersOf(testInfra().kafka, t.config.groupId, (found) => found.length >= 2);
    expect(letters.map((l) => l.value.equals(garbage))).toEqual([true, false]);
    expect(letters[0]!.headers[DeadLetterHeaders.attempts]).toBe('0');
    expect(letters[1]!.headers[DeadLetterHeaders.error]).toContain('has no contract id');
  });

  it('an unknown tenant notifies nobody and says so; once configured, its events are sent', async () => {
    const tenantId = newTenant('unknown');
    const known = newTenant('known');
    await setConfig(t, baseConfig(known, { webhooks: [webhook(`sentinel-${known}`)] }));
    const contractId = `c-${randomUUID().slice(0, 8)}`;
    const before = event(tenantId, contractId, { $case: 'contractCompleted', value: { contractId, finalRevisionIds: [] } });
    // Same key, same partition: once the sentinel is handled, so is the event before it.
    const sentinel = event(known, contractId, { $case: 'contractCompleted', value: { contractId, finalRevisionIds: [] } });
    await publish(before, sentinel);
    await expect.poll(() => requestsTo(`sentinel-${known}`).length, { timeout: 30_000 }).toBe(1);

    const listed = await statusOf(callUnary(t.client.listDeliveries.bind(t.client), { tenantId, eventId: '', pageSize: 10, pageToken: '', status: 0 }));
    expect(listed.code).toBe(status.NOT_FOUND);
    expect(listed.details).toBe(`tenant ${tenantId} has no notification settings: its events notify nobody until SetTenantConfig gives it some`);
    expect((await statusOf(callUnary(t.client.getTenantConfig.bind(t.client), { tenantId }))).code).toBe(status.NOT_FOUND);
    expect((await statusOf(callUnary(t.client.replayDelivery.bind(t.client), { tenantId, deliveryId: 'x' }))).code).toBe(status.NOT_FOUND);

    await setConfig(t, baseConfig(tenantId, { webhooks: [webhook(`late-${tenantId}`)] }));
    const after = event(tenantId, contractId, { $case: 'contractSigned', value: { contractId } });
    await publish(after);
    await expect.poll(() => requestsTo(`late-${tenantId}`).length, { timeout: 30_000 }).toBe(1);
    expect(JSON.parse(requestsTo(`late-${tenantId}`)[0]!.body.toString()).eventId).toBe(after.id);
    // The event from before the settings was not sent later either.
    expect(await listDeliveries(t, tenantId, before.id)).toEqual([]);
  });

  it('refuses settings that cannot work, saying what is wrong', async () => {
    const tenantId = newTenant();
    const cases: [Parameters<typeof baseConfig>[1], string][] = [
      [{ webhooks: [{ url: 'ftp://x.example', keys: [{ keyId: 'k', secret: 'x'.repeat(40) }], eventTypes: [] }] }, 'webhook 1 url must be an http(s) URL'],
      [{ webhooks: [{ url: 'https://x.example', keys: [{ keyId: 'k', secret: 'short' }], eventTypes: [] }] }, 'webhook 1: the secret of key k must be at least 32 characters'],
      [{ webhooks: [{ url: 'https://x.example', keys: [{ keyId: 'k', secret: '' }], eventTypes: [] }] }, 'webhook 1: key k is new and needs its secret'],
      [{ webhooks: [{ url: 'https://x.example', keys: ['a', 'b', 'c'].map((keyId) => ({ keyId, secret: 'x'.repeat(40) })), eventTypes: [] }] }, 'webhook 1 needs one or two signing keys (two while one replaces the other)'],
      [{ webhooks: [{ url: 'https://x.example', keys: [{ keyId: 'k', secret: 'x'.repeat(40) }], eventTypes: ['document.uploaded'] }] }, 'webhook 1 event types: "document.uploaded" is not an event type notified of'],
      [{ line: { enabled: true, channelAccessToken: '', to: ['U1'], eventTypes: [] } }, 'LINE needs a channel access token and at least one recipient when enabled'],
      [{ email: { enabled: true, from: '', operatorAddresses: [], notifyParties: true } }, 'e-mail cannot be enabled: the notification service has no SMTP server (SMTP_URL)'],
    ];
    for (const [overrides, words] of cases) {
      const refused = await statusOf(callUnary(t.client.setTenantConfig.bind(t.client), { config: baseConfig(tenantId, overrides) }));
      expect(refused.details).toContain(words);
      expect([status.INVALID_ARGUMENT, status.FAILED_PRECONDITION]).toContain(refused.code);
    }
    expect((await statusOf(callUnary(t.client.getTenantConfig.bind(t.client), { tenantId }))).code).toBe(status.NOT_FOUND);
  });
});

describe('LINE', () => {
  it('pushes to the tenant recipients through the Messaging API with the bearer token', async () => {
    const tenantId = newTenant();
    const token = `token-${randomUUID()}`;
    const opened = { ...webhook(`opened-${tenantId}`), eventTypes: ['contract.step_opened'] };
    await setConfig(t, baseConfig(tenantId, { line: { enabled: true, channelAccessToken: token, to: ['Uaaaa1111', 'Cbbbb2222'], eventTypes: [] }, webhooks: [opened] }));
    const config = await callUnary(t.client.getTenantConfig.bind(t.client), { tenantId });
    expect(config.config!.line!.channelAccessToken).toBe('');

    const flow = mortgageStart(tenantId);
    const failed = event(tenantId, flow.contractId, {
      $case: 'signatureFailed',
      value: { contractId: flow.contractId, documentId: 'd-1', partyId: 'borrower', sessionId: 's', reason: 'FACTS_MISMATCH', message: '' },
    });
    // The invitation is not a LINE type by default; the failure is. Signature events travel
    // on their own topic: the failure is published once the contract's events were handled.
    await publish(flow.created, flow.stepOpened);
    await expect.poll(() => requestsTo(`opened-${tenantId}`).length, { timeout: 30_000 }).toBe(1);
    await publish(failed);
    await expect.poll(() => line.requests.length, { timeout: 30_000 }).toBe(2);
    for (const request of line.requests) {
      expect(request.method).toBe('POST');
      expect(request.path).toBe('/v2/bot/message/push');
      expect(request.headers.authorization).toBe(`Bearer ${token}`);
      expect(request.headers['x-line-retry-key']).toMatch(/^[0-9a-f-]{36}$/);
    }
    const bodies = line.requests.map((r) => JSON.parse(r.body.toString()) as { to: string; messages: { type: string; text: string }[] });
    expect(bodies.map((b) => b.to).sort()).toEqual(['Cbbbb2222', 'Uaaaa1111']);
    expect(bodies[0]!.messages).toHaveLength(1);
    expect(bodies[0]!.messages[0]!.type).toBe('text');
    expect(bodies[0]!.messages[0]!.text).toContain('【署名エラー】住宅ローン契約');
    expect(bodies[0]!.messages[0]!.text).toContain('借主（主債務者）（borrower）の署名を完了できませんでした。');
    // The stub has the pushes a moment before the attempts are recorded.
    await expect.poll(async () => (await listDeliveries(t, tenantId, failed.id)).map((d) => [d.channel, d.status]), { timeout: 30_000 }).toEqual([
      [Channel.CHANNEL_LINE, DeliveryStatus.DELIVERY_STATUS_DELIVERED],
      [Channel.CHANNEL_LINE, DeliveryStatus.DELIVERY_STATUS_DELIVERED],
    ]);
  });
});

describe('restart', () => {
  it('a retry waiting in the store is sent by the next process', async () => {
    const tenantId = newTenant();
    const name = `restart-${tenantId}`;
    let down = true;
    receiver.answer(`/${name}`, () => (down ? 503 : 200));
    // The first process makes one attempt and stops while the retry waits (2 to 4 s).
    const first = await startTestService({ retryInitialMs: 4_000, retryMaxMs: 4_000 });
    let second: TestService | undefined;
    try {
      await setConfig(first, baseConfig(tenantId, { webhooks: [webhook(name)] }));
      const contractId = `c-${randomUUID().slice(0, 8)}`;
      const voided = event(tenantId, contractId, { $case: 'contractVoided', value: { contractId, comment: 'rate changed' } });
      await publish(voided);
      await expect
        .poll(async () => (await listDeliveries(first, tenantId, voided.id))[0]?.status, { timeout: 30_000 })
        .toBe(DeliveryStatus.DELIVERY_STATUS_RETRYING);
      const waiting = (await listDeliveries(first, tenantId, voided.id))[0]!;
      expect(waiting.nextAttemptAt!.getTime()).toBeGreaterThan(waiting.attemptLog[0]!.attemptedAt!.getTime());
      await first.stop();

      down = false;
      // Same database and group: the second process finds the retry when it is due.
      second = await startTestService({ mongoUrl: first.config.mongoUrl, groupId: first.config.groupId }, { freshGroup: false });
      await expect
        .poll(async () => (await listDeliveries(second!, tenantId, voided.id))[0]?.status, { timeout: 30_000 })
        .toBe(DeliveryStatus.DELIVERY_STATUS_DELIVERED);
      const statuses = requestsTo(name).map((r) => r.status);
      expect(statuses.at(-1)).toBe(200);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect((await listDeliveries(second, tenantId, voided.id))[0]!.attempts).toBe(statuses.length);
    } finally {
      await second?.stop();
    }
  });
});
