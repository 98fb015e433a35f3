// The whole platform as processes, for the end-to-end tests and bench/lifecycle.ts: the four
// services (the bundles ./jitsuin up runs, started through the same specs: packages/cli's
// platform.ts) and a test PKI's CRL/OCSP/TSA server, each on a free port, with databases and
// consumer groups of their own, so that it never meets ./jitsuin up or another test file.
// Kafka and FerretDB are the shared ones (the caller passes their addresses).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { MongoClient } from 'mongodb';
import { tenantClients } from '@jitsuin/cli/access';
import {
  bundlePlatformService,
  platformAuth,
  pkiServerSpec,
  platformBundleFiles,
  SERVICES,
  specOf,
  type PlatformAuth,
  type PlatformInfra,
  type ServicePlacement,
} from '@jitsuin/cli/platform';
import { Topics, type KafkaConnection } from '@jitsuin/events';
import { DocumentServiceClient } from '@jitsuin/proto/document/v1/document';
import { NotificationServiceClient } from '@jitsuin/proto/notification/v1/notification';
import { SigningServiceClient } from '@jitsuin/proto/signing/v1/signing';
import { repoRoot, startService, stopService, type ServiceSpec } from '@jitsuin/testkit/infra';
import { requestedTenantInterceptor } from '@jitsuin/testkit/tokens';
import { startGroupsAtEnd, type GroupTopics } from '@jitsuin/testkit/kafka';
import { createTestPki, freePort, SAMPLE_PEOPLE, type TestPki } from '@jitsuin/testkit/pki';

export type ServiceName = 'auth' | 'document' | 'signing' | 'notification' | 'verification';
const NAMES: ServiceName[] = ['auth', 'document', 'signing', 'notification', 'verification'];

export interface PlatformOptions {
  /** How the harness itself connects (the `test` principal on the testkit's SASL broker). */
  kafka: KafkaConnection;
  /** Each service's own login, when the broker has them (testInfra().kafkaLogins). */
  kafkaLogins?: PlatformInfra['kafkaLogins'];
  mongoUrl: string;
  /** Names this platform's databases, groups and directory (a short word: the test file). */
  label: string;
  /** The sample people whose cards the test PKI makes (fewer people, fewer keys to generate). */
  people?: string[];
  /** SMTP server for the notification service (e-mail is off without it). */
  smtpUrl?: string;
  /** Environment per service, over the harness's settings. */
  env?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Services' LOG_LEVEL; default warn. */
  logLevel?: string;
  log?: (line: string) => void;
}

export interface Platform {
  id: string;
  dir: string;
  pki: TestPki;
  /** The platform's token issuer and its own clients' keys (the operator's among them). */
  auth: PlatformAuth;
  address: Record<ServiceName, string>;
  /** Its services' consumer groups, by the topics each reads (for offsets and dead-letter checks). */
  groups: GroupTopics[];
  documents: DocumentServiceClient;
  signing: SigningServiceClient;
  notification: NotificationServiceClient;
  pid(name: ServiceName): number | undefined;
  /** kill -9; resolves once the process is gone. */
  kill(name: ServiceName): Promise<number>;
  /** Starts a stopped or killed service again (same port, database, group); resolves once SERVING. */
  start(name: ServiceName): Promise<void>;
  logFile(name: ServiceName | 'pki'): string;
  /**
   * Stops every process (services first), closes the clients, removes the bundles, the PKI and
   * the databases (the shared FerretDB keeps every database it was given otherwise); the logs stay.
   */
  stop(): Promise<void>;
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Where each platform keeps its PKI, pid files and logs (kept after a run, for reading). */
export const e2eRoot = path.join(repoRoot, '.jitsuin', 'e2e');

/** Directories of earlier runs older than a day go. */
function pruneOldRuns(): void {
  if (!fs.existsSync(e2eRoot)) return;
  const dayAgo = Date.now() - 86_400_000;
  for (const name of fs.readdirSync(e2eRoot)) {
    const dir = path.join(e2eRoot, name);
    if (fs.statSync(dir).mtimeMs < dayAgo) fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function startPlatform(o: PlatformOptions): Promise<Platform> {
  const log = o.log ?? ((line: string) => process.stderr.write(`[e2e ${o.label}] ${line}\n`));
  const id = `${o.label}-${randomUUID().slice(0, 8)}`;
  pruneOldRuns();
  const dir = path.join(e2eRoot, id);
  fs.mkdirSync(dir, { recursive: true });
  const infra: PlatformInfra = { kafka: o.kafka, ...(o.kafkaLogins && { kafkaLogins: o.kafkaLogins }), mongoUrl: o.mongoUrl };
  // Bundles of this platform's own (built once, reused by restarts), named after it.
  const bundleName = `e2e-${id}`;

  const [pkiPort, authHttpPort, ...ports] = await Promise.all([freePort(), freePort(), ...NAMES.map(() => freePort())]);
  const port = Object.fromEntries(NAMES.map((n, i) => [n, ports[i]!])) as Record<ServiceName, number>;
  const address = Object.fromEntries(NAMES.map((n) => [n, `127.0.0.1:${port[n]}`])) as Record<ServiceName, string>;
  const people = o.people ? SAMPLE_PEOPLE.filter((p) => o.people!.includes(p.id)) : SAMPLE_PEOPLE;

  const [pki, auth] = await Promise.all([
    createTestPki(path.join(dir, 'pki'), { baseUrl: `http://127.0.0.1:${pkiPort}`, people }),
    platformAuth(path.join(dir, 'auth'), authHttpPort),
    ...SERVICES.map((s) => bundlePlatformService(s, bundleName)),
  ]);
  const pkiSpec = pkiServerSpec(pki, { runDir: dir, bundleName });
  await startService(pkiSpec, log);

  const db = (name: ServiceName) => {
    const url = new URL(o.mongoUrl);
    url.pathname = `/e2e_${id.replace(/-/g, '_')}_${name}`;
    return url.toString();
  };
  // Each named after the service's default group, so that it falls under the service
  // principal's group prefix (SERVICE_ACCESS in @jitsuin/events).
  const group = (name: string) => `${name}-e2e-${id}`;
  const groups: GroupTopics[] = [
    { groupId: group('document-verdicts'), topics: [Topics.verification] },
    { groupId: group('document-event-log'), topics: [Topics.contract, Topics.signature, Topics.verification] },
    { groupId: group('signing-automation'), topics: [Topics.contract] },
    { groupId: group('jitsuin-verification'), topics: [Topics.signature] },
    { groupId: group('jitsuin-notification'), topics: [Topics.contract, Topics.signature, Topics.verification] },
  ];
  const common = { LOG_LEVEL: o.logLevel ?? 'warn', SHUTDOWN_GRACE_MS: '3000' };
  const env: Record<ServiceName, Record<string, string>> = {
    auth: { AUTH_MONGO_URL: db('auth') },
    document: {
      DOCUMENT_MONGO_URL: db('document'),
      DOCUMENT_VERDICTS_GROUP: group('document-verdicts'),
      DOCUMENT_EVENT_LOG_GROUP: group('document-event-log'),
      VERIFICATION_SERVICE_ADDRESS: address.verification,
    },
    signing: {
      SIGNING_MONGO_URL: db('signing'),
      SIGNING_AUTOMATION_GROUP: group('signing-automation'),
      DOCUMENT_SERVICE_ADDRESS: address.document,
    },
    verification: {
      VERIFICATION_MONGO_URL: db('verification'),
      VERIFICATION_GROUP_ID: group('jitsuin-verification'),
      DOCUMENT_SERVICE_ADDRESS: address.document,
      VERIFICATION_HTTP: 'false',
    },
    notification: {
      NOTIFICATION_MONGO_URL: db('notification'),
      NOTIFICATION_GROUP_ID: group('jitsuin-notification'),
      ...(o.smtpUrl ? { SMTP_URL: o.smtpUrl } : {}),
    },
  };
  const specs = Object.fromEntries(
    NAMES.map((name) => {
      const service = SERVICES.find((s) => s.name === name)!;
      const placement: ServicePlacement = { runDir: dir, bundleName, port: port[name], env: { ...common, ...env[name], ...o.env?.[name] } };
      return [name, specOf(service, infra, pki, placement, auth)];
    }),
  ) as Record<ServiceName, ServiceSpec>;

  // Each group starts at the end of its topics before its service first joins: it handles
  // exactly what happens from now on (no backlog of other runs, no race with "latest").
  await startGroupsAtEnd(o.kafka, groups);

  const pids = new Map<ServiceName, number>();
  const start = async (name: ServiceName) => {
    const { pid } = await startService(specs[name], log);
    pids.set(name, pid);
  };
  // The issuer first (every service checks tokens against its keys), then the document service: the others call it.
  await start('auth');
  await start('document');
  await Promise.all((['signing', 'verification', 'notification'] as const).map(start));

  // The tests call as a bank's system of the tenant each request names: an API client the
  // operator registers for that tenant on first use, with tokens from the token endpoint.
  const clientOf = tenantClients(auth, address.auth, ['admin', 'sender', 'auditor']);
  const asTenant = { interceptors: [requestedTenantInterceptor(async (tenant) => (await clientOf(tenant)).token())] };
  const documents = new DocumentServiceClient(address.document, credentials.createInsecure(), asTenant);
  const signing = new SigningServiceClient(address.signing, credentials.createInsecure(), asTenant);
  const notification = new NotificationServiceClient(address.notification, credentials.createInsecure(), asTenant);

  return {
    id,
    dir,
    pki,
    auth,
    address,
    groups,
    documents,
    signing,
    notification,
    pid: (name) => {
      const pid = pids.get(name);
      return pid !== undefined && isAlive(pid) ? pid : undefined;
    },
    kill: async (name) => {
      const pid = pids.get(name);
      if (pid === undefined || !isAlive(pid)) throw new Error(`${name} is not running`);
      process.kill(pid, 'SIGKILL');
      while (isAlive(pid)) await new Promise((r) => setTimeout(r, 20));
      pids.delete(name);
      return pid;
    },
    start,
    logFile: (name) => (name === 'pki' ? pkiSpec.logFile : specs[name].logFile),
    stop: async () => {
      documents.close();
      signing.close();
      notification.close();
      for (const name of [...NAMES].reverse()) await stopService(specs[name], () => {});
      await stopService(pkiSpec, () => {});
      for (const file of platformBundleFiles(bundleName)) {
        fs.rmSync(file, { force: true });
        fs.rmSync(`${file}.map`, { force: true });
      }
      fs.rmSync(path.join(dir, 'pki'), { recursive: true, force: true });
      fs.rmSync(path.join(dir, 'auth'), { recursive: true, force: true });
      const mongo = await MongoClient.connect(o.mongoUrl);
      try {
        for (const name of NAMES) await mongo.db(new URL(db(name)).pathname.slice(1)).dropDatabase();
      } finally {
        await mongo.close();
      }
    },
  };
}
