import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { credentials } from '@grpc/grpc-js';
import { SMTPServer } from 'smtp-server';
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
    ...readConfig({ KAFKA_BROKERS: testInfra().kafkaBrokers.join(',') }),
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

/**
 * Commits the group's offsets at the end of every topic before the service first joins, so it
 * handles exactly the events published after this (no backlog, no race with "latest"). As
 * kafkajs' admin.setOffsets does, for the three topics at once and without its 5 s fetch wait.
 */
export async function startGroupAtEnd(groupId: string): Promise<void> {
  const kafka = createKafka({ brokers: testInfra().kafkaBrokers, clientId: 'notification-test', logLevel: 'NOTHING' });
  await ensureTopics(kafka);
  const topics = [Topics.contract, Topics.signature, Topics.verification];
  const admin = kafka.admin();
  await admin.connect();
  const ends = await Promise.all(topics.map(async (topic) => ({ topic, offsets: await admin.fetchTopicOffsets(topic) })));
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 50 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.FETCH, () => resolve());
      consumer.run({ eachBatchAutoResolve: false, eachBatch: async () => undefined }).catch(reject);
      consumer.pause(topics.map((topic) => ({ topic })));
      // A seek commits the offset (autoCommit), so the service's first join starts there.
      for (const { topic, offsets } of ends) for (const o of offsets) consumer.seek({ topic, partition: o.partition, offset: o.high });
    });
  } finally {
    await consumer.disconnect();
  }
}

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
  const client = new NotificationServiceClient(service.address, credentials.createInsecure());
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
    const kafka = createKafka({ brokers: testInfra().kafkaBrokers, clientId: 'notification-test-publisher', logLevel: 'NOTHING' });
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

// ---------------------------------------------------------------- an SMTP server

export interface ReceivedMail {
  from: string;
  to: string[];
  headers: Map<string, string>;
  subject: string;
  text: string;
  raw: string;
}

/** A real SMTP server on loopback that keeps what arrives. */
export async function startSmtp(): Promise<{ url: string; mails: ReceivedMail[]; stop(): Promise<void> }> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        mails.push({
          ...parseMail(raw),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
        });
        callback();
      });
    },
  });
  // A sender killed in the middle of a mail resets its connection (the kill tests do that):
  // the mail is not kept, and the reset is no error of the test's.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, mails, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A single-part text message as nodemailer writes it: headers, encoded words, QP or base64. */
function parseMail(raw: string): Omit<ReceivedMail, 'from' | 'to' | 'raw'> {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const body = raw.slice(split + 4);
  const headers = new Map<string, string>();
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const text =
    encoding === 'base64'
      ? Buffer.from(body, 'base64').toString('utf8')
      : encoding === 'quoted-printable'
        ? decodeQuotedPrintable(body)
        : body;
  return { headers, subject: decodeWords(headers.get('subject') ?? ''), text: text.replace(/\r\n/g, '\n').trimEnd() };
}

function decodeQuotedPrintable(s: string): string {
  const bytes = s.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => `%${hex}`);
  return decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, '%25'));
}

function decodeWords(s: string): string {
  return s
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_, kind: string, data: string) =>
      kind.toLowerCase() === 'b'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    );
}

// ---------------------------------------------------------------- HTTP receivers

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  status: number;
  receivedAt: Date;
}

/**
 * An HTTP server on loopback that keeps every request and answers 200, or what the function
 * given for the request's path with `answer(path, status)` returns: a test makes its own path
 * fail or recover.
 */
export async function startReceiver(): Promise<{
  url: string;
  requests: ReceivedRequest[];
  answer(path: string, status: () => number): void;
  stop(): Promise<void>;
}> {
  const requests: ReceivedRequest[] = [];
  const answers = new Map<string, () => number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '';
      const status = answers.get(url)?.() ?? 200;
      requests.push({ method: req.method ?? '', url, headers: req.headers, body: Buffer.concat(chunks), status, receivedAt: new Date() });
      res.writeHead(status, { 'content-type': 'application/json' }).end(status < 300 ? '{}' : '{"message":"failing on purpose"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answer: (path, status) => answers.set(path, status),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
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
