import { accessSettingsFromEnv, type AccessSettings } from '@jitsuin/auth';
import { envFlag, envInteger, envMongoUrl } from '@jitsuin/rpc';
import { kafkaConnectionFromEnv, type KafkaConnection } from '@jitsuin/events';
import { relaySettingsFromEnv, type RelaySettings } from '@jitsuin/store';


/** The verification service's settings, read from the environment once, at start. */

/** Revocation endpoints for the JPKI root (one generation) in the PEM file `issuer`. */
export interface JpkiEndpointConfig {
  issuer: string;
  ocsp?: string;
  crl?: string;
}

export interface VerificationConfig extends RelaySettings {
  /** Who may call (the platform's token issuer and keys), and this service's own client. */
  access: AccessSettings;
  grpcHost: string;
  grpcPort: number;
  /** The HTML report pages (express); port 0 = any free port. */
  httpHost: string;
  httpPort: number;
  /** Serve the HTML pages at all. */
  httpEnabled: boolean;
  mongoUrl: string;
  kafka: KafkaConnection;
  /** host:port of jitsuin.document.v1.DocumentService. */
  documentServiceAddress: string;
  /**
   * PEM files or directories of PEM files (*.pem, *.crt, *.cer) whose certificates are the
   * trust anchors: JPKI roots of every generation, lenders' seal CAs, TSAs. None by default.
   */
  trustAnchorPaths: string[];
  /** Accept JPKI test-hierarchy certificates (policy 1.2.392.200149.8.5.1.0.20). */
  allowTestJpki: boolean;
  /** Revocation endpoints per JPKI root (their certificates name none). */
  jpkiEndpoints: JpkiEndpointConfig[];
  ocspTimeoutMs: number;
  crlTimeoutMs: number;
  /** The largest PDF verified, in bytes (the document service's limit). */
  maxDocumentBytes: number;
  /** How long one verification may take, download or upload included. */
  verifyTimeoutMs: number;
  /** Verifications running at once; more wait their turn. */
  concurrency: number;
  /** Deadline of a call to the document service. */
  callTimeoutMs: number;
  /** Consume signature.applied and verify every new signed revision. */
  consumeEvents: boolean;
  /** The consumer group: replicas share it, so each event is handled by one of them. */
  groupId: string;
  fromBeginning: boolean;
  /** Handler calls per event before it is dead-lettered. */
  consumerMaxAttempts: number;
  shutdownGraceMs: number;
  runRelay: boolean;
}

function optionalUrl(name: string, raw: unknown): string | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string') throw new Error(`${name} must be an http(s) URL`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${name} must be an http(s) URL (got ${JSON.stringify(raw)})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${name} must be an http(s) URL`);
  return url.toString();
}

/**
 * JPKI_REVOCATION: JSON list of `{"issuer": "/path/root.pem", "ocsp": "http://...", "crl": "http://..."}`,
 * one per JPKI root generation (the source matches a certificate's issuer by key, not by name).
 */
export function readJpkiEndpoints(raw: string | undefined): JpkiEndpointConfig[] {
  if (raw === undefined || raw.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('JPKI_REVOCATION must be JSON: [{"issuer": "<PEM file of the root>", "ocsp": "<URL>", "crl": "<URL>"}]');
  }
  if (!Array.isArray(parsed)) throw new Error('JPKI_REVOCATION must be a JSON list of {"issuer", "ocsp", "crl"}');
  return parsed.map((entry: unknown, i) => {
    const e = entry as { issuer?: unknown; ocsp?: unknown; crl?: unknown } | null;
    if (typeof e?.issuer !== 'string' || e.issuer === '') throw new Error(`JPKI_REVOCATION[${i}] needs "issuer": the PEM file of the JPKI root`);
    const ocsp = optionalUrl(`JPKI_REVOCATION[${i}].ocsp`, e.ocsp);
    const crl = optionalUrl(`JPKI_REVOCATION[${i}].crl`, e.crl);
    if (!ocsp && !crl) throw new Error(`JPKI_REVOCATION[${i}] needs "ocsp" or "crl" (or both)`);
    return { issuer: e.issuer, ...(ocsp ? { ocsp } : {}), ...(crl ? { crl } : {}) };
  });
}

const list = (raw: string | undefined) => (raw ?? '').split(/[,:]/).map((s) => s.trim()).filter(Boolean);

export function readConfig(env: NodeJS.ProcessEnv = process.env): VerificationConfig {
  const documentServiceAddress = env.DOCUMENT_SERVICE_ADDRESS?.trim() || '127.0.0.1:50051';
  if (!/^[^\s:]+:\d{1,5}$/.test(documentServiceAddress)) {
    throw new Error(`DOCUMENT_SERVICE_ADDRESS must be host:port (got ${JSON.stringify(documentServiceAddress)})`);
  }
  return {
    grpcHost: env.VERIFICATION_GRPC_HOST ?? '127.0.0.1',
    grpcPort: envInteger(env, 'VERIFICATION_GRPC_PORT', 50054, 0, 65535),
    httpHost: env.VERIFICATION_HTTP_HOST ?? '127.0.0.1',
    httpPort: envInteger(env, 'VERIFICATION_HTTP_PORT', 8054, 0, 65535),
    httpEnabled: envFlag(env, 'VERIFICATION_HTTP', true),
    mongoUrl: envMongoUrl(env, 'VERIFICATION_MONGO_URL', 'jitsuin_verification'),
    kafka: kafkaConnectionFromEnv(env),
    documentServiceAddress,
    trustAnchorPaths: list(env.TRUST_ANCHORS),
    allowTestJpki: envFlag(env, 'ALLOW_TEST_JPKI', false),
    jpkiEndpoints: readJpkiEndpoints(env.JPKI_REVOCATION),
    ocspTimeoutMs: envInteger(env, 'OCSP_TIMEOUT_MS', 10_000, 100, 300_000),
    crlTimeoutMs: envInteger(env, 'CRL_TIMEOUT_MS', 30_000, 100, 300_000),
    maxDocumentBytes: envInteger(env, 'MAX_DOCUMENT_BYTES', 100 * 1024 * 1024, 1024, 2 * 1024 ** 3 - 1),
    verifyTimeoutMs: envInteger(env, 'VERIFY_TIMEOUT_MS', 120_000, 1000, 3_600_000),
    concurrency: envInteger(env, 'VERIFY_CONCURRENCY', 4, 1, 256),
    callTimeoutMs: envInteger(env, 'VERIFICATION_CALL_TIMEOUT_MS', 60_000, 1000, 3_600_000),
    consumeEvents: envFlag(env, 'VERIFICATION_CONSUME_EVENTS', true),
    groupId: env.VERIFICATION_GROUP_ID?.trim() || 'jitsuin-verification',
    fromBeginning: envFlag(env, 'VERIFICATION_FROM_BEGINNING', false),
    consumerMaxAttempts: envInteger(env, 'VERIFICATION_CONSUMER_MAX_ATTEMPTS', 10, 1, 1000),
    shutdownGraceMs: envInteger(env, 'SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    runRelay: envFlag(env, 'VERIFICATION_RUN_RELAY', true),
    ...relaySettingsFromEnv(env),
    // Last: a service whose other settings are wrong says so first.
    access: accessSettingsFromEnv(env, 'verification'),
  };
}
