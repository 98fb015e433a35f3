import { readFileSync } from 'node:fs';
import { Kafka, logLevel as KafkaLogLevel, type LogEntry, type SASLOptions } from 'kafkajs';

export type LogLevelName = 'NOTHING' | 'ERROR' | 'WARN' | 'INFO' | 'DEBUG';

/** One kafkajs log line, reduced to fields known to carry no event content. */
export interface KafkaLogRecord {
  level: Exclude<LogLevelName, 'NOTHING'>;
  namespace: string;
  message: string;
  fields: Record<string, string | number | boolean>;
}

export type KafkaLogFn = (record: KafkaLogRecord) => void;

/** The SASL mechanisms a Jitsuin client may log in with (Strimzi's scram-sha-512 first). */
export const SASL_MECHANISMS = ['scram-sha-512', 'scram-sha-256', 'plain'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export interface KafkaSasl {
  mechanism: SaslMechanism;
  username: string;
  password: string;
}

/**
 * Where Kafka is and who we are to it: the brokers, the principal's SASL login (none: a
 * plaintext listener, as a development broker without ACLs has), TLS on or off.
 */
export interface KafkaConnection {
  brokers: string[];
  sasl?: KafkaSasl;
  ssl?: boolean;
}

export interface KafkaOptions extends KafkaConnection {
  clientId: string;
  /** Default WARN: kafkajs is chatty at INFO (every join, every stop). Name or kafkajs enum. */
  logLevel?: LogLevelName | KafkaLogLevel;
  /** Where kafkajs' own lines go; default one JSON line on stderr. */
  log?: KafkaLogFn;
}

/**
 * A kafkajs client for Jitsuin. Retries ride out a broker restart; a broker that stays away
 * fails a publish after about 20 s (kafkajs nests connect retries inside send retries, so
 * larger settings multiply), and the caller decides: the outbox relay tries again later, a
 * consumer restarts itself until the broker is back.
 */
export function createKafka(opts: KafkaOptions): Kafka {
  const log = opts.log ?? logToStderr;
  return new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    ...(opts.sasl && { sasl: { mechanism: opts.sasl.mechanism, username: opts.sasl.username, password: opts.sasl.password } as SASLOptions }),
    ...(opts.ssl && { ssl: true }),
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 300, maxRetryTime: 5_000, factor: 0.2, multiplier: 2, retries: 5 },
    logLevel:
      typeof opts.logLevel === 'number' ? opts.logLevel : KafkaLogLevel[opts.logLevel ?? 'WARN'],
    logCreator: () => (entry) => {
      if (entry.log.message === BOUNDED_RETRIES_WARNING) return;
      const record = toRecord(entry);
      // A group member finding the group rebalancing is how a group changes hands, not a fault:
      // kafkajs logs each such heartbeat answer as an error; it rejoins by itself.
      if (record.level === 'ERROR' && REBALANCING.test(String(record.fields.error ?? ''))) record.level = 'INFO';
      if (KafkaLogLevel[record.level] > (typeof opts.logLevel === 'number' ? opts.logLevel : KafkaLogLevel[opts.logLevel ?? 'WARN'])) return;
      log(record);
    },
  });
}

type Env = Record<string, string | undefined>;

/**
 * The connection a process is configured with, read once at start:
 * - KAFKA_BROKERS: host:port,host:port (default 127.0.0.1:9092, the project's own broker);
 * - KAFKA_SASL_MECHANISM: scram-sha-512 | scram-sha-256 | plain, with KAFKA_USERNAME and
 *   KAFKA_PASSWORD or KAFKA_PASSWORD_FILE (a mounted secret, e.g. Strimzi's KafkaUser secret);
 *   unset: no SASL (a plaintext listener);
 * - KAFKA_SSL: true for a TLS listener (the system's CAs; NODE_EXTRA_CA_CERTS adds a cluster CA).
 */
export function kafkaConnectionFromEnv(env: Env): KafkaConnection {
  const brokers = (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim()).filter(Boolean);
  if (brokers.length === 0) throw new Error('KAFKA_BROKERS must name at least one broker (host:port)');
  const connection: KafkaConnection = { brokers };
  const sasl = saslFromEnv(env);
  if (sasl) connection.sasl = sasl;
  const ssl = env.KAFKA_SSL?.trim();
  if (ssl) {
    if (!/^(true|false|1|0|yes|no)$/i.test(ssl)) throw new Error(`KAFKA_SSL must be true or false (got ${JSON.stringify(ssl)})`);
    if (/^(true|1|yes)$/i.test(ssl)) connection.ssl = true;
  }
  return connection;
}

function saslFromEnv(env: Env): KafkaSasl | undefined {
  const mechanism = env.KAFKA_SASL_MECHANISM?.trim().toLowerCase();
  const username = env.KAFKA_USERNAME?.trim();
  if (!mechanism) {
    if (username || env.KAFKA_PASSWORD || env.KAFKA_PASSWORD_FILE) {
      throw new Error('KAFKA_USERNAME / KAFKA_PASSWORD are set but KAFKA_SASL_MECHANISM is not: set it to scram-sha-512, scram-sha-256 or plain');
    }
    return undefined;
  }
  if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
    throw new Error(`KAFKA_SASL_MECHANISM must be one of ${SASL_MECHANISMS.join(', ')} (got ${JSON.stringify(mechanism)})`);
  }
  if (!username) throw new Error(`KAFKA_SASL_MECHANISM is ${mechanism} but KAFKA_USERNAME is not set`);
  let password = env.KAFKA_PASSWORD;
  const file = env.KAFKA_PASSWORD_FILE?.trim();
  if (password && file) throw new Error('set KAFKA_PASSWORD or KAFKA_PASSWORD_FILE, not both');
  if (file) {
    try {
      password = readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new Error(`KAFKA_PASSWORD_FILE ${file} cannot be read: ${(err as Error).message}`);
    }
  }
  if (!password) throw new Error(`KAFKA_SASL_MECHANISM is ${mechanism} but neither KAFKA_PASSWORD nor KAFKA_PASSWORD_FILE gives a password`);
  return { mechanism: mechanism as SaslMechanism, username, password };
}

/**
 * The environment that gives a child process `connection` (the inverse of
 * kafkaConnectionFromEnv). Every variable is set, empty when unused, so that none inherited
 * from the parent's environment (another principal's KAFKA_PASSWORD_FILE) mixes in.
 */
export function kafkaConnectionEnv(connection: KafkaConnection): Record<string, string> {
  return {
    KAFKA_BROKERS: connection.brokers.join(','),
    KAFKA_SASL_MECHANISM: connection.sasl?.mechanism ?? '',
    KAFKA_USERNAME: connection.sasl?.username ?? '',
    KAFKA_PASSWORD: connection.sasl?.password ?? '',
    KAFKA_PASSWORD_FILE: '',
    KAFKA_SSL: connection.ssl ? 'true' : '',
  };
}

/**
 * kafkajs warns on every idempotent producer with bounded retries. Bounded is deliberate here: a
 * publish must fail while the broker is away so the outbox relay can report and retry later,
 * and the duplicates a re-send can cause are dropped by consumers by event id.
 */
const BOUNDED_RETRIES_WARNING =
  'Limiting retries for the idempotent producer may invalidate EoS guarantees';

const REBALANCING = /group is rebalancing|coordinator is loading/i;

/**
 * Only these fields of a kafkajs log line are passed on. Events carry personal contact data,
 * and an allowlist keeps any future kafkajs field that might hold message bytes out of logs.
 */
const SAFE_FIELDS = new Set([
  'broker',
  'clientId',
  'groupId',
  'memberId',
  'topic',
  'partition',
  'offset',
  'retryCount',
  'retryTime',
  'error',
  'groupProtocol',
]);

function toRecord(entry: LogEntry): KafkaLogRecord {
  const { message, ...extra } = entry.log as unknown as Record<string, unknown>;
  const fields: KafkaLogRecord['fields'] = {};
  for (const [key, value] of Object.entries(extra)) {
    if (!SAFE_FIELDS.has(key)) continue;
    if (value instanceof Error) fields[key] = value.message;
    else if (['string', 'number', 'boolean'].includes(typeof value)) {
      fields[key] = value as string | number | boolean;
    }
  }
  return {
    level: levelName(entry.level),
    namespace: entry.namespace,
    message: String(message),
    fields,
  };
}

function levelName(level: KafkaLogLevel): KafkaLogRecord['level'] {
  switch (level) {
    case KafkaLogLevel.ERROR:
      return 'ERROR';
    case KafkaLogLevel.WARN:
      return 'WARN';
    case KafkaLogLevel.INFO:
      return 'INFO';
    default:
      return 'DEBUG';
  }
}

function logToStderr(record: KafkaLogRecord): void {
  process.stderr.write(
    `${JSON.stringify({ time: new Date().toISOString(), logger: 'kafkajs', ...record })}\n`,
  );
}
