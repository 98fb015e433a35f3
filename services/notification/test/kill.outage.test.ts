import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentials } from '@grpc/grpc-js';
import { DeliveryStatus, NotificationServiceClient, type Delivery } from '@jitsuin/proto/notification/v1/notification';
import { startReceiver, startSmtp, type HttpReceiver, type SmtpCapture } from '@jitsuin/testkit/receivers';
import { testIssuer } from '@jitsuin/testkit/tokens';
import { testInfra } from '@jitsuin/testkit/vitest';
import {
  baseConfig,
  callUnary,
  closePublisher,
  event,
  exited,
  freePort,
  mortgageStart,
  newTenant,
  publish,
  spawnService,
  startGroupAtEnd,
} from './harness.js';

const CONTRACTS = 40;
const HEALTH = 'jitsuin.notification.v1.NotificationService';

let receiver: HttpReceiver;
let smtp: SmtpCapture;
let env: NodeJS.ProcessEnv;
let address: string;
let child: ChildProcess | undefined;

/** The service as its own process, so that kill -9 reaches it. */
const startProcess = () => spawnService('services/notification/src/main.ts', env, address, HEALTH);

beforeAll(async () => {
  receiver = await startReceiver();
  smtp = await startSmtp();
  const port = await freePort();
  address = `127.0.0.1:${port}`;
  const mongo = new URL(testInfra().mongoUrl);
  mongo.pathname = `/notify_kill_${randomUUID().slice(0, 8)}`;
  const groupId = `notification-kill-${randomUUID()}`;
  await startGroupAtEnd(groupId);
  env = {
    NOTIFICATION_GRPC_PORT: String(port),
    NOTIFICATION_MONGO_URL: mongo.toString(),
    NOTIFICATION_GROUP_ID: groupId,
    ...testInfra().kafkaEnv,
    ...testIssuer().env,
    SMTP_URL: smtp.url,
    NOTIFY_SEND_TIMEOUT_MS: '1000',
    NOTIFY_LEASE_MS: '2500',
    NOTIFY_RETRY_INITIAL_MS: '50',
    NOTIFY_RETRY_MAX_MS: '500',
    NOTIFY_POLL_MS: '50',
    NOTIFY_BATCH_SIZE: '5',
    NOTIFY_TENANT_CACHE_MS: '0',
    LOG_LEVEL: 'warn',
  };
});
afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGKILL');
    await exited(child);
  }
  await receiver?.stop();
  await smtp?.stop();
  await closePublisher();
});

describe('notification service killed mid-run', () => {
  it('after kill -9 and a restart every delivery is made and logged, and each event is planned once', async () => {
    const tenantId = newTenant('kill');
    const path = `/kill-${tenantId}`;
    child = await startProcess();
    let client = new NotificationServiceClient(address, credentials.createInsecure(), testIssuer().memberOfRequestedTenant());
    const ops = `ops@${tenantId}.example.jp`;
    await callUnary(client.setTenantConfig.bind(client), {
      config: baseConfig(tenantId, {
        email: { enabled: true, from: '', operatorAddresses: [ops], notifyParties: false },
        webhooks: [{ url: `${receiver.url}${path}`, keys: [{ keyId: 'k', secret: `s-${randomUUID()}-${randomUUID()}` }], eventTypes: ['contract.completed'] }],
      }),
    });

    const events = Array.from({ length: CONTRACTS }, () => {
      const { contractId } = mortgageStart(tenantId);
      return event(tenantId, contractId, { $case: 'contractCompleted', value: { contractId } });
    });
    await publish(...events);
    const webhookRequests = () => receiver.requests.filter((r) => r.path === path);
    // Kill while the events are being handled and sent.
    await expect.poll(() => webhookRequests().length, { timeout: 60_000, interval: 20 }).toBeGreaterThanOrEqual(CONTRACTS / 4);
    child.kill('SIGKILL');
    await exited(child);
    client.close();

    child = await startProcess();
    client = new NotificationServiceClient(address, credentials.createInsecure(), testIssuer().memberOfRequestedTenant());
    const log = async (): Promise<Delivery[]> => {
      const page = await callUnary(client.listDeliveries.bind(client), { tenantId, eventId: '', pageSize: 200, pageToken: '', status: 0 });
      return page.deliveries;
    };
    // A webhook and an operator e-mail per event, once each, all delivered.
    await expect
      .poll(async () => (await log()).filter((d) => d.status === DeliveryStatus.DELIVERY_STATUS_DELIVERED).length, { timeout: 60_000 })
      .toBe(CONTRACTS * 2);
    const deliveries = await log();
    expect(deliveries).toHaveLength(CONTRACTS * 2);
    expect(new Set(deliveries.map((d) => d.eventId)).size).toBe(CONTRACTS);
    for (const d of deliveries) expect(d.attemptLog.at(-1)?.succeeded).toBe(true);

    // Every event reached the receiver and the mailbox. A send in flight at the kill may have
    // gone out twice (at least once): the copies share the delivery id and the Message-ID, so
    // a receiver drops them; there are at most as many as sends were in flight.
    const byDelivery = new Set(webhookRequests().map((r) => r.headers['jitsuin-delivery-id']));
    expect(byDelivery.size).toBe(CONTRACTS);
    expect(new Set(webhookRequests().map((r) => JSON.parse(r.body.toString()).eventId)).size).toBe(CONTRACTS);
    expect(webhookRequests().length - CONTRACTS).toBeLessThanOrEqual(5);
    const mails = smtp.mails.filter((m) => m.to.includes(ops));
    const messageIds = new Set(mails.map((m) => m.headers.get('message-id')));
    expect(messageIds.size).toBe(CONTRACTS);
    expect(mails.length - CONTRACTS).toBeLessThanOrEqual(5);
    client.close();
  });
});
