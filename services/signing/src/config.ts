import { accessSettingsFromEnv, type AccessSettings } from '@jitsuin/auth';
import { envFlag, envInteger, envMongoUrl } from '@jitsuin/rpc';
import { kafkaConnectionFromEnv, type KafkaConnection } from '@jitsuin/events';
import { relaySettingsFromEnv, type RelaySettings } from '@jitsuin/store';
import { type JpkiEndpointSetting, parseJpkiEndpoints } from '@jitsuin/verify';

/** The signing service's settings, read from the environment once, at start. */

/** A seal key the service holds: a PKCS#12 file and its password (PKCS#11 later, same shape). */
export interface SealConfig {
  id: string;
  p12Path: string;
  password: string;
}

export interface SigningConfig extends RelaySettings {
  /** Who may call (the platform's token issuer and keys), and this service's own client. */
  access: AccessSettings;
  grpcHost: string;
  grpcPort: number;
  mongoUrl: string;
  kafka: KafkaConnection;
  /** host:port of jitsuin.document.v1.DocumentService. */
  documentServiceAddress: string;
  /** RFC 3161 timestamp authority for B-T and above; without it only B-B signatures are made. */
  tsaUrl?: string;
  /** How long a prepared card signature may wait for the card. */
  sessionTtlMs: number;
  /** How long a used or expired session is kept (it then answers "already used" / "expired"). */
  sessionRetentionMs: number;
  /** How often expired sessions are cleaned up (FerretDB has no TTL index). */
  sessionSweepMs: number;
  /** Seals by id. */
  seals: Map<string, SealConfig>;
  /** Accept JPKI test-hierarchy certificates (policy 1.2.392.200149.8.5.1.0.20). */
  allowTestJpki: boolean;
  /**
   * PEM files of the CAs that issue card signing certificates (the JPKI signing roots, every
   * generation). The issuer of a card's certificate is embedded in its signature, so that the
   * signature can be extended to B-LT (the card's certificate names no issuer URL to fetch).
   */
  signingCaFiles: string[];
  /**
   * Where the revocation of a card's certificate is asked at PrepareSignature besides the URLs it
   * names: per JPKI signing root, as the verification service reads JPKI_REVOCATION (in
   * production J-LIS' source, since real JPKI certificates name none).
   */
  jpkiEndpoints: JpkiEndpointSetting[];
  /** Bound of each OCSP or CRL request made at PrepareSignature (the call's deadline bounds them all). */
  revocationTimeoutMs: number;
  /** The largest PDF this service reads into memory, in bytes. */
  maxDocumentBytes: number;
  /** Bytes of PDFs held in memory at once by all calls together; calls beyond it wait. */
  memoryBudgetBytes: number;
  /** Deadline of a call to the document service or a TSA when the caller gave none. */
  callTimeoutMs: number;
  /** How long calls in flight may take to finish on shutdown. */
  shutdownGraceMs: number;
  /** Run the outbox relay in this process (one may also run it alone: relay-main.ts). */
  runRelay: boolean;
  /** Sign what the platform signs as contracts move on (app/automation.ts). */
  runAutomation: boolean;
  /** One consumer group for every replica. */
  automationGroupId: string;
}



const SEAL_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

function checkSealId(id: string, where: string): string {
  if (!SEAL_ID.test(id)) {
    throw new Error(`${where}: a seal id is 1 to 64 lower-case letters, digits, '_' or '-' (got ${JSON.stringify(id)})`);
  }
  return id;
}

/**
 * Seals from SEALS (JSON: `{"lender": {"p12": "/path/seal.p12", "password": "..."}}`) and from
 * SEAL_<ID>_P12 with SEAL_<ID>_PASSWORD (the id lower-cased, '_' kept). The password never
 * appears in an error message.
 */
export function readSeals(env: NodeJS.ProcessEnv): Map<string, SealConfig> {
  const seals = new Map<string, SealConfig>();
  const raw = env.SEALS;
  if (raw !== undefined && raw.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new Error('SEALS must be JSON: {"<seal id>": {"p12": "<path>", "password": "<password>"}}');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error('SEALS must be a JSON object of seal id to {"p12", "password"}');
    }
    for (const [id, value] of Object.entries(parsed as Record<string, unknown>)) {
      checkSealId(id, 'SEALS');
      const entry = value as { p12?: unknown; password?: unknown } | null;
      if (typeof entry?.p12 !== 'string' || entry.p12 === '' || typeof entry.password !== 'string') {
        throw new Error(`SEALS: seal ${id} needs "p12" (a file path) and "password" (a string)`);
      }
      seals.set(id, { id, p12Path: entry.p12, password: entry.password });
    }
  }
  for (const [name, value] of Object.entries(env)) {
    const match = /^SEAL_([A-Za-z0-9_-]+)_P12$/.exec(name);
    if (!match || !value) continue;
    const id = checkSealId(match[1]!.toLowerCase(), name);
    const password = env[`SEAL_${match[1]}_PASSWORD`];
    if (password === undefined) throw new Error(`${name} is set but SEAL_${match[1]}_PASSWORD is not`);
    if (seals.has(id)) throw new Error(`seal ${id} is configured twice (SEALS and ${name})`);
    seals.set(id, { id, p12Path: value, password });
  }
  return seals;
}

function optionalUrl(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${name} must be an http(s) URL (got ${JSON.stringify(raw)})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${name} must be an http(s) URL`);
  return url.toString();
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): SigningConfig {
  const documentServiceAddress = env.DOCUMENT_SERVICE_ADDRESS?.trim() || '127.0.0.1:50051';
  if (!/^[^\s:]+:\d{1,5}$/.test(documentServiceAddress)) {
    throw new Error(`DOCUMENT_SERVICE_ADDRESS must be host:port (got ${JSON.stringify(documentServiceAddress)})`);
  }
  return {
    grpcHost: env.SIGNING_GRPC_HOST ?? '127.0.0.1',
    grpcPort: envInteger(env, 'SIGNING_GRPC_PORT', 50052, 0, 65535),
    mongoUrl: envMongoUrl(env, 'SIGNING_MONGO_URL', 'jitsuin_signing'),
    kafka: kafkaConnectionFromEnv(env),
    documentServiceAddress,
    tsaUrl: optionalUrl(env, 'TSA_URL'),
    sessionTtlMs: envInteger(env, 'SESSION_TTL_MS', 10 * 60_000, 1000, 24 * 3_600_000),
    sessionRetentionMs: envInteger(env, 'SESSION_RETENTION_MS', 3_600_000, 0, 30 * 86_400_000),
    sessionSweepMs: envInteger(env, 'SESSION_SWEEP_MS', 60_000, 100, 3_600_000),
    seals: readSeals(env),
    allowTestJpki: envFlag(env, 'ALLOW_TEST_JPKI', false),
    signingCaFiles: (env.SIGNING_CA_CERTS ?? '').split(',').map((f) => f.trim()).filter(Boolean),
    jpkiEndpoints: parseJpkiEndpoints(env.JPKI_REVOCATION),
    revocationTimeoutMs: envInteger(env, 'REVOCATION_TIMEOUT_MS', 5000, 100, 120_000),
    maxDocumentBytes: envInteger(env, 'MAX_DOCUMENT_BYTES', 100 * 1024 * 1024, 1024, 2 * 1024 ** 3 - 1),
    memoryBudgetBytes: envInteger(env, 'SIGNING_MEMORY_BUDGET_BYTES', 512 * 1024 * 1024, 1024 * 1024, 64 * 1024 ** 3),
    callTimeoutMs: envInteger(env, 'SIGNING_CALL_TIMEOUT_MS', 120_000, 1000, 3_600_000),
    shutdownGraceMs: envInteger(env, 'SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    runRelay: envFlag(env, 'SIGNING_RUN_RELAY', true),
    ...relaySettingsFromEnv(env),
    runAutomation: envFlag(env, 'SIGNING_RUN_AUTOMATION', true),
    automationGroupId: env.SIGNING_AUTOMATION_GROUP ?? 'signing-automation',
    // Last: a service whose other settings are wrong says so first.
    access: accessSettingsFromEnv(env, 'signing'),
  };
}

