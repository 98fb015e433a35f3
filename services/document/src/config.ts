import { accessSettingsFromEnv, type AccessSettings } from '@jitsuin/auth';
import { envFlag, envInteger, envMongoUrl } from '@jitsuin/rpc';
import { kafkaConnectionFromEnv, type KafkaConnection } from '@jitsuin/events';
import { relaySettingsFromEnv, type RelaySettings } from '@jitsuin/store';

/** The document service's settings, read from the environment once, at start. */
export interface DocumentConfig extends RelaySettings {
  /** Who may call (the platform's token issuer and keys), and this service's own client. */
  access: AccessSettings;
  grpcHost: string;
  grpcPort: number;
  mongoUrl: string;
  kafka: KafkaConnection;
  /** The largest document or revision accepted, in bytes. */
  maxDocumentBytes: number;
  /** How long calls in flight may take to finish on shutdown. */
  shutdownGraceMs: number;
  /** Run the outbox relay in this process (one may also run it alone: relay-main.ts). */
  runRelay: boolean;
  /** Consume verification verdicts: record them on revisions, move contracts on. */
  runVerdicts: boolean;
  /** One consumer group for every replica. */
  verdictsGroupId: string;
  /** Run the deadline scheduler (reminders, expiry); safe in every replica. */
  runScheduler: boolean;
  schedulerIntervalMs: number;
  remindBeforeMs: number;
  /** Keep each contract's event log (every event about it, from every topic): the evidence's hash chain. */
  runEventLog: boolean;
  /** One consumer group for every replica. */
  eventLogGroupId: string;
  /** Where a new event-log group starts: the oldest retained event (true) or the next one. */
  eventLogFromBeginning: boolean;
  /** The verification service (GetReport), for evidence packages. */
  verificationServiceAddress: string;
  /** Per call to the verification service. */
  verificationCallTimeoutMs: number;
  /** The platform's seal for evidence packages (PKCS#12 file and password); without it ExportEvidence is refused. */
  evidenceSeal?: { p12Path: string; password: string };
  /** The largest evidence package made, in bytes (the documents' final PDFs and the rest). */
  evidenceMaxBytes: number;
}


export function readConfig(env: NodeJS.ProcessEnv = process.env): DocumentConfig {
  return {
    grpcHost: env.DOCUMENT_GRPC_HOST ?? '127.0.0.1',
    grpcPort: envInteger(env, 'DOCUMENT_GRPC_PORT', 50051, 0, 65535),
    mongoUrl: envMongoUrl(env, 'DOCUMENT_MONGO_URL', 'jitsuin_document'),
    kafka: kafkaConnectionFromEnv(env),
    maxDocumentBytes: envInteger(env, 'MAX_DOCUMENT_BYTES', 100 * 1024 * 1024, 1024, 4 * 1024 ** 3),
    shutdownGraceMs: envInteger(env, 'SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    runRelay: envFlag(env, 'DOCUMENT_RUN_RELAY', true),
    ...relaySettingsFromEnv(env),
    runVerdicts: envFlag(env, 'DOCUMENT_RUN_VERDICTS', true),
    verdictsGroupId: env.DOCUMENT_VERDICTS_GROUP ?? 'document-verdicts',
    runScheduler: envFlag(env, 'DOCUMENT_RUN_SCHEDULER', true),
    schedulerIntervalMs: envInteger(env, 'DEADLINE_SCAN_MS', 30_000, 50, 3_600_000),
    remindBeforeMs: envInteger(env, 'REMIND_BEFORE_MS', 24 * 3_600_000, 0, 30 * 86_400_000),
    runEventLog: envFlag(env, 'DOCUMENT_RUN_EVENT_LOG', true),
    eventLogGroupId: env.DOCUMENT_EVENT_LOG_GROUP ?? 'document-event-log',
    eventLogFromBeginning: envFlag(env, 'DOCUMENT_EVENT_LOG_FROM_BEGINNING', false),
    verificationServiceAddress: env.VERIFICATION_SERVICE_ADDRESS ?? '127.0.0.1:50054',
    verificationCallTimeoutMs: envInteger(env, 'VERIFICATION_CALL_TIMEOUT_MS', 30_000, 100, 600_000),
    ...evidenceSeal(env),
    evidenceMaxBytes: envInteger(env, 'EVIDENCE_MAX_BYTES', 1024 ** 3, 1024 * 1024, 16 * 1024 ** 3),
    // Last: a service whose other settings are wrong says so first.
    access: accessSettingsFromEnv(env, 'document'),
  };
}

/** EVIDENCE_SEAL_P12 and EVIDENCE_SEAL_PASSWORD come together, or not at all. */
function evidenceSeal(env: NodeJS.ProcessEnv): Pick<DocumentConfig, 'evidenceSeal'> {
  const p12Path = env.EVIDENCE_SEAL_P12;
  const password = env.EVIDENCE_SEAL_PASSWORD;
  if (!p12Path && password === undefined) return {};
  if (!p12Path || password === undefined) {
    throw new Error('EVIDENCE_SEAL_P12 (a PKCS#12 file) and EVIDENCE_SEAL_PASSWORD (its password) must be set together');
  }
  return { evidenceSeal: { p12Path, password } };
}

