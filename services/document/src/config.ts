/** The document service's settings, read from the environment once, at start. */
export interface DocumentConfig {
  grpcHost: string;
  grpcPort: number;
  mongoUrl: string;
  kafkaBrokers: string[];
  /** The largest document or revision accepted, in bytes. */
  maxDocumentBytes: number;
  /** How long calls in flight may take to finish on shutdown. */
  shutdownGraceMs: number;
  /** Run the outbox relay in this process (one may also run it alone: relay-main.ts). */
  runRelay: boolean;
  /** How often the relay looks for events written by other processes. */
  relayPollMs: number;
  /** How long a relay's claim holds; a relay that died is taken over after this. */
  relayLeaseMs: number;
  /** Documents the relay publishes in one batch. */
  relayBatchSize: number;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  }
  return value;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): DocumentConfig {
  const brokers = (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim()).filter(Boolean);
  if (brokers.length === 0) throw new Error('KAFKA_BROKERS must name at least one broker (host:port)');
  return {
    grpcHost: env.DOCUMENT_GRPC_HOST ?? '127.0.0.1',
    grpcPort: integer(env, 'DOCUMENT_GRPC_PORT', 50051, 0, 65535),
    mongoUrl: env.DOCUMENT_MONGO_URL ?? withDatabase(env.MONGO_URL ?? 'mongodb://127.0.0.1:27017', 'jitsuin_document'),
    kafkaBrokers: brokers,
    maxDocumentBytes: integer(env, 'MAX_DOCUMENT_BYTES', 100 * 1024 * 1024, 1024, 4 * 1024 ** 3),
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    runRelay: env.DOCUMENT_RUN_RELAY !== 'false',
    relayPollMs: integer(env, 'RELAY_POLL_MS', 500, 10, 60_000),
    relayLeaseMs: integer(env, 'RELAY_LEASE_MS', 10_000, 100, 600_000),
    relayBatchSize: integer(env, 'RELAY_BATCH_SIZE', 100, 1, 1000),
  };
}

/** The service owns its database: MONGO_URL names the server, the service names the database. */
function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  if (parsed.pathname === '' || parsed.pathname === '/') parsed.pathname = `/${database}`;
  return parsed.toString();
}
