import { Kafka, logLevel as KafkaLogLevel, type LogEntry } from 'kafkajs';

export type LogLevelName = 'NOTHING' | 'ERROR' | 'WARN' | 'INFO' | 'DEBUG';

/** One kafkajs log line, reduced to fields known to carry no event content. */
export interface KafkaLogRecord {
  level: Exclude<LogLevelName, 'NOTHING'>;
  namespace: string;
  message: string;
  fields: Record<string, string | number | boolean>;
}

export type KafkaLogFn = (record: KafkaLogRecord) => void;

export interface KafkaOptions {
  brokers: string[];
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
