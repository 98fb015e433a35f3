import { envFlag, envInteger, envKafkaBrokers, envMongoUrl } from '@jitsuin/rpc';
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
  /** Consume verification verdicts: record them on revisions, move contracts on. */
  runVerdicts: boolean;
  /** One consumer group for every replica. */
  verdictsGroupId: string;
  /** Run the deadline scheduler (reminders, expiry); safe in every replica. */
  runScheduler: boolean;
  schedulerIntervalMs: number;
  remindBeforeMs: number;
}


export function readConfig(env: NodeJS.ProcessEnv = process.env): DocumentConfig {
  return {
    grpcHost: env.DOCUMENT_GRPC_HOST ?? '127.0.0.1',
    grpcPort: envInteger(env, 'DOCUMENT_GRPC_PORT', 50051, 0, 65535),
    mongoUrl: envMongoUrl(env, 'DOCUMENT_MONGO_URL', 'jitsuin_document'),
    kafkaBrokers: envKafkaBrokers(env),
    maxDocumentBytes: envInteger(env, 'MAX_DOCUMENT_BYTES', 100 * 1024 * 1024, 1024, 4 * 1024 ** 3),
    shutdownGraceMs: envInteger(env, 'SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    runRelay: envFlag(env, 'DOCUMENT_RUN_RELAY', true),
    relayPollMs: envInteger(env, 'RELAY_POLL_MS', 500, 10, 60_000),
    relayLeaseMs: envInteger(env, 'RELAY_LEASE_MS', 10_000, 100, 600_000),
    relayBatchSize: envInteger(env, 'RELAY_BATCH_SIZE', 100, 1, 1000),
    runVerdicts: envFlag(env, 'DOCUMENT_RUN_VERDICTS', true),
    verdictsGroupId: env.DOCUMENT_VERDICTS_GROUP ?? 'document-verdicts',
    runScheduler: envFlag(env, 'DOCUMENT_RUN_SCHEDULER', true),
    schedulerIntervalMs: envInteger(env, 'DEADLINE_SCAN_MS', 30_000, 50, 3_600_000),
    remindBeforeMs: envInteger(env, 'REMIND_BEFORE_MS', 24 * 3_600_000, 0, 30 * 86_400_000),
  };
}

