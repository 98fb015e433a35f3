// Real Kafka + MongoDB-protocol servers for tests and local runs, started on demand and shared
// by every process on the machine (see DESIGN.md "Running it").
//
//   const { kafkaBrokers, mongoUrl } = await ensureInfra();
//
// KAFKA_BROKERS (comma list) / MONGO_URL point at existing servers instead: nothing is started
// for that piece, we only wait until it is healthy.
import path from 'node:path';
import { createKafka, ensureTopics, kafkaConnectionEnv, kafkaConnectionFromEnv, Topics, type KafkaConnection } from '@jitsuin/events';
import { InfraError } from './errors.js';
import { ferretDbSpec, probeMongo, type FerretDbOptions } from './ferretdb.js';
import { ensureKafkaUsers, kafkaLogins, kafkaPlace, kafkaSecurity, kafkaSpec, probeKafka, type KafkaLogin, type KafkaOptions, type KafkaPrincipal } from './kafka.js';
import { syncPlatformAcls } from './kafka-access.js';
import { runDir } from './paths.js';
import { sleep, withLock } from './process.js';
import { serviceStatus, startService, stopService, waitHealthy, type Log, type ServiceSpec, type ServiceStatus } from './service.js';

export { InfraError } from './errors.js';
export { ferretDbVersion, type FerretDbOptions } from './ferretdb.js';
export { KAFKA_PRINCIPALS, kafkaVersion, type KafkaLogin, type KafkaOptions, type KafkaPrincipal, type KafkaSecurity } from './kafka.js';
export { platformAcls, TEST_PRINCIPAL } from './kafka-access.js';
export type { ServiceStatus } from './service.js';

export interface InfraOptions {
  kafka?: KafkaOptions;
  ferretdb?: FerretDbOptions;
  /** Progress lines for slow steps (builds, downloads, starts); default stderr. */
  log?: Log;
}

export interface InfraAddresses {
  kafkaBrokers: string[];
  /**
   * How tests and tools connect: on our broker as the `test` principal (plaintext if it runs
   * with JITSUIN_KAFKA_SECURITY=plaintext); on an external one (KAFKA_BROKERS) as
   * KAFKA_SASL_MECHANISM / KAFKA_USERNAME / KAFKA_PASSWORD(_FILE) / KAFKA_SSL say.
   */
  kafka: KafkaConnection;
  /** Every principal's login on our SASL broker (each service's own); none for other brokers. */
  kafkaLogins?: Partial<Record<KafkaPrincipal, KafkaLogin>>;
  mongoUrl: string;
}

/**
 * The Kafka environment of one of the platform's services: its own principal (its password
 * from its file) on our SASL broker; otherwise the connection everyone uses.
 */
export function serviceKafkaEnv(infra: Pick<InfraAddresses, 'kafka' | 'kafkaLogins'>, service: string): Record<string, string> {
  const login = infra.kafkaLogins?.[service as KafkaPrincipal];
  if (!login) return kafkaConnectionEnv(infra.kafka);
  const { brokers, ssl } = infra.kafka;
  return {
    ...kafkaConnectionEnv({ brokers, ...(ssl && { ssl }) }),
    KAFKA_SASL_MECHANISM: login.sasl.mechanism,
    KAFKA_USERNAME: login.sasl.username,
    KAFKA_PASSWORD_FILE: login.passwordFile,
  };
}

export interface KafkaAccess {
  kafka: KafkaConnection;
  kafkaLogins?: Record<KafkaPrincipal, KafkaLogin>;
}

// One lock per piece: parallel test workers wait for the first one's start instead of racing it.
const lockFile = (name: string, dir = runDir) => path.join(dir, `${name}.lock`);
const defaultLog: Log = (line) => process.stderr.write(`[jitsuin infra] ${line}\n`);
const EXTERNAL_TIMEOUT_MS = 60_000;

/** The broker KAFKA_BROKERS points at, and how to log in to it (KAFKA_SASL_* etc.). */
function externalKafka(): KafkaConnection | undefined {
  if (!process.env.KAFKA_BROKERS?.trim()) return undefined;
  try {
    return kafkaConnectionFromEnv(process.env);
  } catch (err) {
    throw new InfraError((err as Error).message);
  }
}

function externalMongo(): string | undefined {
  return process.env.MONGO_URL?.trim() || undefined;
}

/** Starts (or reuses) Kafka and FerretDB and waits until both are healthy. Idempotent. */
export async function ensureInfra(opts: InfraOptions = {}): Promise<InfraAddresses> {
  const log = opts.log ?? defaultLog;
  // Both pieces in parallel: Maven and the Go build are independent, and so are the starts.
  // allSettled: if one piece fails, the other still finishes its start instead of being cut off.
  const [kafka, mongo] = await Promise.allSettled([ensureKafka(opts.kafka, log), ensureMongo(opts.ferretdb, log)]);
  if (kafka.status === 'rejected' || mongo.status === 'rejected') {
    const errors = [kafka, mongo].flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (errors.length === 1) throw errors[0];
    throw new InfraError(errors.map((e) => (e instanceof Error ? e.message : String(e))).join('\n'));
  }
  return { kafkaBrokers: kafka.value.kafka.brokers, ...kafka.value, mongoUrl: mongo.value };
}

async function ensureKafka(opts: KafkaOptions = {}, log: Log): Promise<KafkaAccess> {
  const external = externalKafka();
  if (external) {
    await waitHealthy({ name: 'kafka (KAFKA_BROKERS)', address: external.brokers.join(','), probe: () => probeKafka(external), startTimeoutMs: EXTERNAL_TIMEOUT_MS, logFile: '' });
    return { kafka: external };
  }
  return startKafkaBroker(opts, log);
}

/**
 * Starts (or reuses) the testkit's own broker as `opts` describe it, whatever KAFKA_BROKERS
 * says; on SASL, then makes every principal's credential, the topics and the ACLs.
 */
export async function startKafkaBroker(opts: KafkaOptions = {}, log: Log = defaultLog): Promise<KafkaAccess> {
  const spec = kafkaSpec(opts);
  const brokers = [spec.address];
  const place = kafkaPlace(opts);
  if (kafkaSecurity(opts) === 'plaintext') {
    await withLock(lockFile('kafka', place.runDir), () => startService(spec, log));
    return { kafka: { brokers } };
  }
  const logins = kafkaLogins(place);
  await withLock(lockFile('kafka', place.runDir), async () => {
    await startService(spec, log);
    // The admin provisions what the services may not do themselves: every principal's
    // credential, the topics, the ACLs of the access table.
    await ensureKafkaUsers(opts, log);
    const admin = createKafka({ brokers, sasl: logins.admin.sasl, clientId: 'jitsuin-infra-admin', logLevel: 'NOTHING' });
    await ensureTopics(admin);
    // The controller has the ACLs when createAcls returns; the broker's authorizer a moment later.
    if (await syncPlatformAcls(admin)) await waitUntilTestSeesTopics({ brokers, sasl: logins.test.sasl });
  });
  return { kafka: { brokers, sasl: logins.test.sasl }, kafkaLogins: logins };
}

async function waitUntilTestSeesTopics(test: KafkaConnection): Promise<void> {
  const kafka = createKafka({ ...test, clientId: 'jitsuin-infra-acl-check', logLevel: 'NOTHING' });
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const deadline = Date.now() + 30_000; ; ) {
      const seen = new Set(await admin.listTopics());
      if (Object.values(Topics).every((t) => seen.has(t))) return;
      if (Date.now() > deadline) throw new InfraError('kafka: the ACLs made for the test principal did not take effect within 30 s');
      await sleep(100);
    }
  } finally {
    await admin.disconnect();
  }
}

async function ensureMongo(opts: FerretDbOptions | undefined, log: Log): Promise<string> {
  const external = externalMongo();
  if (external) {
    await waitHealthy({ name: 'mongo (MONGO_URL)', address: external, probe: () => probeMongo(external), startTimeoutMs: EXTERNAL_TIMEOUT_MS, logFile: '' });
    return external;
  }
  const spec = ferretDbSpec(opts);
  await withLock(lockFile('ferretdb'), () => startService(spec, log));
  return spec.address;
}

/** Starts Kafka (or reuses it) with the same data dir, so topics and committed offsets survive. */
export async function startKafka(opts: KafkaOptions = {}, log: Log = defaultLog): Promise<string[]> {
  return (await ensureKafka(opts, log)).kafka.brokers;
}

/** Stops our Kafka broker (SIGTERM, SIGKILL after 30 s). Data is kept for the next start. */
export async function stopKafka(log: Log = () => {}): Promise<void> {
  if (externalKafka()) throw new InfraError('stopKafka: KAFKA_BROKERS points at an external broker, which the testkit does not control');
  await stopPiece(kafkaSpec(), log);
}

export async function startFerretDb(opts: FerretDbOptions = {}, log: Log = defaultLog): Promise<string> {
  return ensureMongo(opts, log);
}

export async function stopFerretDb(log: Log = () => {}): Promise<void> {
  if (externalMongo()) throw new InfraError('stopFerretDb: MONGO_URL points at an external server, which the testkit does not control');
  await stopPiece(ferretDbSpec(), log);
}

/** Stops whatever of ours is running; pieces given by KAFKA_BROKERS / MONGO_URL are left alone. */
export async function stopInfra(log: Log = () => {}): Promise<void> {
  await Promise.all([
    externalKafka() ? undefined : stopPiece(kafkaSpec(), log),
    externalMongo() ? undefined : stopPiece(ferretDbSpec(), log),
  ]);
}

/** Stops the testkit's own broker that `opts` describe (data kept), whatever KAFKA_BROKERS says. */
export async function stopKafkaBroker(opts: KafkaOptions = {}, log: Log = () => {}): Promise<void> {
  await stopPiece(kafkaSpec(opts), log);
}

function stopPiece(spec: ServiceSpec, log: Log): Promise<void> {
  return withLock(lockFile(spec.name, path.dirname(spec.pidFile)), () => stopService(spec, log));
}

export async function infraStatus(): Promise<ServiceStatus[]> {
  const kafka = externalKafka();
  const mongo = externalMongo();
  return Promise.all([
    kafka ? externalStatus('kafka', kafka.brokers.join(','), () => probeKafka(kafka)) : serviceStatus(kafkaSpec()),
    mongo ? externalStatus('ferretdb', mongo, () => probeMongo(mongo)) : serviceStatus(ferretDbSpec()),
  ]);
}

async function externalStatus(name: string, address: string, probe: () => Promise<void>): Promise<ServiceStatus> {
  try {
    await probe();
    return { name, address, external: true, running: true, healthy: true };
  } catch (err) {
    return { name, address, external: true, running: false, healthy: false, error: err instanceof Error ? err.message : String(err) };
  }
}

// For running the platform's own services the same way (./jitsuin up).
export { repoRoot, runDir } from './paths.js';
export { serviceStatus, startService, stopService, type Log, type ServiceSpec } from './service.js';
