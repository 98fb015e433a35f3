// Real Kafka + MongoDB-protocol servers for tests and local runs, started on demand and shared
// by every process on the machine (see DESIGN.md "Running it").
//
//   const { kafkaBrokers, mongoUrl } = await ensureInfra();
//
// KAFKA_BROKERS (comma list) / MONGO_URL point at existing servers instead: nothing is started
// for that piece, we only wait until it is healthy.
import path from 'node:path';
import { InfraError } from './errors.js';
import { ferretDbSpec, probeMongo, type FerretDbOptions } from './ferretdb.js';
import { kafkaSpec, probeKafka, type KafkaOptions } from './kafka.js';
import { runDir } from './paths.js';
import { withLock } from './process.js';
import { serviceStatus, startService, stopService, waitHealthy, type Log, type ServiceSpec, type ServiceStatus } from './service.js';

export { InfraError } from './errors.js';
export { ferretDbVersion, type FerretDbOptions } from './ferretdb.js';
export { kafkaVersion, type KafkaOptions } from './kafka.js';
export type { ServiceStatus } from './service.js';

export interface InfraOptions {
  kafka?: KafkaOptions;
  ferretdb?: FerretDbOptions;
  /** Progress lines for slow steps (builds, downloads, starts); default stderr. */
  log?: Log;
}

export interface InfraAddresses {
  kafkaBrokers: string[];
  mongoUrl: string;
}

// One lock per piece: parallel test workers wait for the first one's start instead of racing it.
const lockFile = (name: string) => path.join(runDir, `${name}.lock`);
const defaultLog: Log = (line) => process.stderr.write(`[jitsuin infra] ${line}\n`);
const EXTERNAL_TIMEOUT_MS = 60_000;

function externalKafka(): string[] | undefined {
  const list = process.env.KAFKA_BROKERS?.split(',').map((s) => s.trim()).filter(Boolean);
  return list?.length ? list : undefined;
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
  return { kafkaBrokers: kafka.value, mongoUrl: mongo.value };
}

async function ensureKafka(opts: KafkaOptions | undefined, log: Log): Promise<string[]> {
  const external = externalKafka();
  if (external) {
    await waitHealthy({ name: 'kafka (KAFKA_BROKERS)', address: external.join(','), probe: () => probeKafka(external), startTimeoutMs: EXTERNAL_TIMEOUT_MS, logFile: '' });
    return external;
  }
  const spec = kafkaSpec(opts);
  await withLock(lockFile('kafka'), () => startService(spec, log));
  return [spec.address];
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
  return ensureKafka(opts, log);
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

function stopPiece(spec: ServiceSpec, log: Log): Promise<void> {
  return withLock(lockFile(spec.name), () => stopService(spec, log));
}

export async function infraStatus(): Promise<ServiceStatus[]> {
  const kafka = externalKafka();
  const mongo = externalMongo();
  return Promise.all([
    kafka ? externalStatus('kafka', kafka.join(','), () => probeKafka(kafka)) : serviceStatus(kafkaSpec()),
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
