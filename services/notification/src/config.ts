import { accessSettingsFromEnv, type AccessSettings } from '@jitsuin/auth';
import { envFlag, envInteger, envMongoUrl } from '@jitsuin/rpc';
import { kafkaConnectionFromEnv, type KafkaConnection } from '@jitsuin/events';

/** The notification service's settings, read from the environment once, at start. */
export interface NotificationConfig {
  /** Who may call (the platform's token issuer and keys). */
  access: AccessSettings;
  grpcHost: string;
  grpcPort: number;
  mongoUrl: string;
  kafka: KafkaConnection;
  /** The consumer group: replicas share it, so each event is handled by one of them. */
  groupId: string;
  /** Where a group without committed offsets starts: the oldest retained event, or new ones only. */
  fromBeginning: boolean;
  /** Handler calls per event before it is dead-lettered (the store being away is retried). */
  consumerMaxAttempts: number;
  /** smtp://host:port or smtps://user:pass@host:port; e-mail cannot be enabled without it. */
  smtpUrl?: string;
  /** The sender of e-mail when a tenant names none. */
  mailFrom: string;
  /** Origin of the LINE Messaging API. */
  lineApiBaseUrl: string;
  /** How long one send (SMTP, webhook, LINE) may take. */
  sendTimeoutMs: number;
  /** Attempts of a delivery before it is dead-lettered, and of each round a replay grants. */
  maxAttempts: number;
  /** Wait after the first failed attempt, doubling (with jitter) up to retryMaxMs. */
  retryInitialMs: number;
  retryMaxMs: number;
  /** How often the dispatcher looks for due deliveries made by other replicas or retries. */
  pollMs: number;
  /** How long a claimed delivery is held; a replica that died is taken over after this. */
  leaseMs: number;
  /** Deliveries sent at once. */
  batchSize: number;
  /** How long tenant settings are cached (other replicas see a change within this). */
  tenantCacheMs: number;
  shutdownGraceMs: number;
}

function optionalUrl(env: NodeJS.ProcessEnv, name: string, protocols: string[]): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${name} must be a URL (${protocols.join(' or ')})`);
  }
  if (!protocols.includes(url.protocol.replace(/:$/, ''))) throw new Error(`${name} must be a ${protocols.join(' or ')} URL`);
  return raw;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): NotificationConfig {
  const sendTimeoutMs = envInteger(env, 'NOTIFY_SEND_TIMEOUT_MS', 15_000, 100, 300_000);
  const leaseMs = envInteger(env, 'NOTIFY_LEASE_MS', Math.max(60_000, 4 * sendTimeoutMs), 1000, 3_600_000);
  if (leaseMs <= 2 * sendTimeoutMs) {
    throw new Error('NOTIFY_LEASE_MS must be more than twice NOTIFY_SEND_TIMEOUT_MS, or a slow send would be sent twice');
  }
  const retryInitialMs = envInteger(env, 'NOTIFY_RETRY_INITIAL_MS', 1_000, 1, 3_600_000);
  const retryMaxMs = envInteger(env, 'NOTIFY_RETRY_MAX_MS', 10 * 60_000, 1, 24 * 3_600_000);
  if (retryMaxMs < retryInitialMs) throw new Error('NOTIFY_RETRY_MAX_MS must not be less than NOTIFY_RETRY_INITIAL_MS');
  return {
    grpcHost: env.NOTIFICATION_GRPC_HOST ?? '127.0.0.1',
    grpcPort: envInteger(env, 'NOTIFICATION_GRPC_PORT', 50053, 0, 65535),
    mongoUrl: envMongoUrl(env, 'NOTIFICATION_MONGO_URL', 'jitsuin_notification'),
    kafka: kafkaConnectionFromEnv(env),
    groupId: env.NOTIFICATION_GROUP_ID?.trim() || 'jitsuin-notification',
    fromBeginning: envFlag(env, 'NOTIFICATION_FROM_BEGINNING', false),
    consumerMaxAttempts: envInteger(env, 'NOTIFICATION_CONSUMER_MAX_ATTEMPTS', 20, 1, 1000),
    smtpUrl: optionalUrl(env, 'SMTP_URL', ['smtp', 'smtps']),
    mailFrom: env.MAIL_FROM?.trim() || 'Jitsuin <no-reply@jitsuin.invalid>',
    lineApiBaseUrl: optionalUrl(env, 'LINE_API_BASE_URL', ['https', 'http']) ?? 'https://api.line.me',
    sendTimeoutMs,
    maxAttempts: envInteger(env, 'NOTIFY_MAX_ATTEMPTS', 8, 1, 100),
    retryInitialMs,
    retryMaxMs,
    pollMs: envInteger(env, 'NOTIFY_POLL_MS', 1_000, 10, 60_000),
    leaseMs,
    batchSize: envInteger(env, 'NOTIFY_BATCH_SIZE', 20, 1, 500),
    tenantCacheMs: envInteger(env, 'NOTIFY_TENANT_CACHE_MS', 5_000, 0, 3_600_000),
    shutdownGraceMs: envInteger(env, 'SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    // Last: a service whose other settings are wrong says so first.
    access: accessSettingsFromEnv(env, 'notification'),
  };
}
