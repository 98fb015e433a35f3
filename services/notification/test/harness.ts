import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { credentials } from '@grpc/grpc-js';
import { createKafka, EventPublisher, ensureTopics, newEvent, Topics, type EventEnvelope, type EventPayload } from '@jitsuin/events';
import { PartyKind, PartyRole } from '@jitsuin/proto/document/v1/document';
import { EventEnvelope as Envelope, type DeepPartial } from '@jitsuin/proto/events/v1/envelope';
import {
  Language,
  NotificationServiceClient,
  type Delivery,
  type TenantConfig,
} from '@jitsuin/proto/notification/v1/notification';
import { callUnary, createLogger, isServing } from '@jitsuin/rpc';
import { startGroupsAtEnd } from '@jitsuin/testkit/kafka';
import { testIssuer } from '@jitsuin/testkit/tokens';
import { testInfra } from '@jitsuin/testkit/vitest';
import { readConfig, type NotificationConfig } from '../src/config.js';
import { startNotificationService, type RunningNotificationService } from '../src/service.js';

export { callUnary };
export { statusOf } from '@jitsuin/testkit';

// ---------------------------------------------------------------- the service

/** A database and consumer group of its own; quick retries so tests wait little. */
export function testConfig(overrides: Partial<NotificationConfig> = {}): NotificationConfig {
  const mongo = new URL(testInfra().mongoUrl);
  mongo.pathname = `/notify_test_${randomUUID().slice(0, 8)}`;
  return {
    ...readConfig({ ...testInfra().kafkaEnv, ...testIssuer().env }),
    grpcPort: 0,
    mongoUrl: mongo.toString(),
    groupId: `notification-test-${randomUUID()}`,
    maxAttempts: 5,
    retryInitialMs: 20,
    retryMaxMs: 200,
    pollMs: 50,
    sendTimeoutMs: 5_000,
    leaseMs: 30_000,
    tenantCacheMs: 0,
    shutdownGraceMs: 2_000,
    ...overrides,
  };
}

/** The topics the service reads (src/events/consumer.ts). */
const TOPICS = [Topics.contract, Topics.signature, Topics.verification];

/** The service's group at the end of its topics before it first joins (see startGroupsAtEnd). */
export const startGroupAtEnd = (groupId: string) => startGroupsAtEnd(testInfra().kafka, [{ groupId, topics: TOPICS }]);

export interface TestService {
  service: RunningNotificationService;
  client: NotificationServiceClient;
  config: NotificationConfig;
  stop(): Promise<void>;
}

export async function startTestService(overrides: Partial<NotificationConfig> = {}, options: { freshGroup?: boolean } = {}): Promise<TestService> {
  const config = testConfig(overrides);
  if (options.freshGroup !== false) await startGroupAtEnd(config.groupId);
  const service = await startNotificationService(config, createLogger('notification-test', process.env.TEST_LOG_LEVEL ?? 'silent'));
  const client = new NotificationServiceClient(service.address, credentials.createInsecure(), testIssuer().memberOfRequestedTenant());
  return {
    service,
    client,
    config,
    stop: async () => {
      client.close();
      await service.stop();
    },
  };
}

export function baseConfig(tenantId: string, overrides: Partial<TenantConfig> = {}): TenantConfig {
  return {
    tenantId,
    language: Language.LANGUAGE_JA,
    email: { enabled: false, from: '', operatorAddresses: [], notifyParties: false },
    webhooks: [],
    line: { enabled: false, channelAccessToken: '', to: [], eventTypes: [] },
    portalUrl: '',
    ...overrides,
  };
}

export async function setConfig(t: TestService, config: TenantConfig): Promise<TenantConfig> {
  const response = await callUnary(t.client.setTenantConfig.bind(t.client), { config });
  return response.config!;
}

export async function listDeliveries(t: TestService, tenantId: string, eventId = ''): Promise<Delivery[]> {
  const response = await callUnary(t.client.listDeliveries.bind(t.client), { tenantId, eventId, pageSize: 200, pageToken: '', status: 0 });
  return response.deliveries;
}

// ---------------------------------------------------------------- events

let publisher: Promise<EventPublisher> | undefined;

export async function publish(...events: EventEnvelope[]): Promise<void> {
  publisher ??= (async () => {
    const kafka = createKafka({ ...testInfra().kafka, clientId: 'notification-test-publisher', logLevel: 'NOTHING' });
    await ensureTopics(kafka);
    return EventPublisher.connect(kafka);
  })();
  await (await publisher).publish(events);
}

export async function closePublisher(): Promise<void> {
  const p = publisher;
  publisher = undefined;
  await (await p)?.close();
}

/**
 * An event as its producer would make it; fields left out take their defaults (through
 * fromPartial), so a field added to a payload later does not break these tests.
 */
export function event(tenantId: string, contractId: string, payload: DeepPartial<EventPayload>): EventEnvelope {
  return newEvent({ tenantId, subject: contractId, payload: Envelope.fromPartial({ payload } as DeepPartial<Envelope>).payload! });
}

export const parties = [
  { partyId: 'borrower', kind: PartyKind.PARTY_KIND_PERSON, role: PartyRole.PARTY_ROLE_BORROWER, email: 'borrower@example.jp' },
  { partyId: 'co-borrower', kind: PartyKind.PARTY_KIND_PERSON, role: PartyRole.PARTY_ROLE_CO_BORROWER, email: 'co.borrower@example.jp' },
  { partyId: 'guarantor', kind: PartyKind.PARTY_KIND_PERSON, role: PartyRole.PARTY_ROLE_GUARANTOR, email: 'guarantor@example.jp' },
  { partyId: 'bank', kind: PartyKind.PARTY_KIND_ORGANIZATION, role: PartyRole.PARTY_ROLE_LENDER, email: '' },
];

/** contract.created, contract.sent and the first step's invitation of a mortgage contract. */
export function mortgageStart(tenantId: string, contractId = `c-${randomUUID().slice(0, 8)}`, deadline = new Date('2030-04-01T09:00:00Z')) {
  return {
    contractId,
    created: event(tenantId, contractId, {
      $case: 'contractCreated',
      value: { contractId, title: '住宅ローン契約', kind: 1, documentIds: ['d-1'], parties, deadline },
    }),
    sent: event(tenantId, contractId, { $case: 'contractSent', value: { contractId, documentIds: ['d-1'], parties, deadline } }),
    stepOpened: event(tenantId, contractId, {
      $case: 'contractStepOpened',
      value: { contractId, stepIndex: 0, partyIds: ['borrower', 'co-borrower'] },
    }),
  };
}

export const newTenant = (prefix = 'tenant') => `${prefix}-${randomUUID().slice(0, 8)}`;

// ---------------------------------------------------------------- processes

/** A port free on loopback now (for a child process that must be told its port). */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * A service's main.ts as its own process (node with tsx's loader, so that a signal reaches the
 * service itself), SERVING on `address` before this resolves.
 */
export async function spawnService(main: string, env: NodeJS.ProcessEnv, address: string, healthName: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', main], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  for (let waited = 0; !(await isServing(address, healthName)); waited += 200) {
    if (child.exitCode !== null) throw new Error(`${main} exited with ${child.exitCode} before serving`);
    if (waited > 60_000) throw new Error(`${main} is not serving after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return child;
}
