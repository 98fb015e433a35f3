import { accessSettingsFromEnv, type AccessSettings } from '@jitsuin/auth';
import { type AddressPolicy, addressPolicyOf, ADDRESS_POLICIES } from '@jitsuin/jpki';
import { envFlag, envInteger, envMongoUrl } from '@jitsuin/rpc';
import { kafkaConnectionFromEnv, type KafkaConnection } from '@jitsuin/events';
import type { AddressPolicies } from './domain/signer-facts.js';
import { relaySettingsFromEnv, type RelaySettings } from '@jitsuin/store';
import { linkKey, type LinkKeys } from '@jitsuin/web';
import { type JpkiEndpointSetting, optionalUrl, parseJpkiEndpoints } from '@jitsuin/verify';


/** The verification service's settings, read from the environment once, at start. */

/** Revocation endpoints for the JPKI root (one generation) in the PEM file `issuer`. */
export type JpkiEndpointConfig = JpkiEndpointSetting;

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
  /**
   * Keys of the signed links that open report pages (REPORT_LINK_KEY, and REPORT_LINK_PREVIOUS_KEY
   * while links made with it may be in use). None: every report page is refused and GetReport
   * gives no link.
   */
  reportLinkKeys?: LinkKeys;
  /** How long a link GetReport makes opens its page. */
  reportLinkTtlMs: number;
  /** Where people reach the pages (the links' base), if not the server's own http://host:port. */
  reportLinkBaseUrl?: string;
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
  /**
   * How each tenant compares a card signer's address with the contract's (exact,
   * prefecture-and-city, ignore): SIGNER_ADDRESS_POLICY for every tenant (default exact),
   * SIGNER_ADDRESS_POLICY_BY_TENANT `tenant=policy,...` for those that differ.
   */
  signerAddressPolicies: AddressPolicies;
}

/** REPORT_LINK_KEY and REPORT_LINK_PREVIOUS_KEY: secrets of at least 32 bytes; a previous key only beside a current one. */
export function readReportLinkKeys(env: NodeJS.ProcessEnv): LinkKeys | undefined {
  const current = env.REPORT_LINK_KEY?.trim();
  const previous = env.REPORT_LINK_PREVIOUS_KEY?.trim();
  if (!current) {
    if (previous) throw new Error('REPORT_LINK_PREVIOUS_KEY is set without REPORT_LINK_KEY: links are signed with REPORT_LINK_KEY');
    return undefined;
  }
  return { current: linkKey('REPORT_LINK_KEY', current), ...(previous ? { previous: linkKey('REPORT_LINK_PREVIOUS_KEY', previous) } : {}) };
}

function policyOf(name: string, raw: string): AddressPolicy {
  try {
    return addressPolicyOf(raw);
  } catch {
    throw new Error(`${name} must be one of ${ADDRESS_POLICIES.join(', ')} (got ${JSON.stringify(raw)})`);
  }
}

/** SIGNER_ADDRESS_POLICY and SIGNER_ADDRESS_POLICY_BY_TENANT (`bank-a=prefecture-and-city,agency-b=ignore`). */
export function readAddressPolicies(defaultRaw: string | undefined, byTenantRaw: string | undefined): AddressPolicies {
  const byTenant: Record<string, AddressPolicy> = {};
  for (const entry of (byTenantRaw ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    const [tenant, policy, ...rest] = entry.split('=').map((p) => p.trim());
    if (!tenant || !policy || rest.length > 0) throw new Error(`SIGNER_ADDRESS_POLICY_BY_TENANT must be tenant=policy pairs separated by commas (got ${JSON.stringify(entry)})`);
    byTenant[tenant] = policyOf(`SIGNER_ADDRESS_POLICY_BY_TENANT (${tenant})`, policy);
  }
  return { default: defaultRaw?.trim() ? policyOf('SIGNER_ADDRESS_POLICY', defaultRaw) : 'exact', byTenant };
}

const list = (raw: string | undefined) => (raw ?? '').split(/[,:]/).map((s) => s.trim()).filter(Boolean);

export function readConfig(env: NodeJS.ProcessEnv = process.env): VerificationConfig {
  const documentServiceAddress = env.DOCUMENT_SERVICE_ADDRESS?.trim() || '127.0.0.1:50051';
  if (!/^[^\s:]+:\d{1,5}$/.test(documentServiceAddress)) {
    throw new Error(`DOCUMENT_SERVICE_ADDRESS must be host:port (got ${JSON.stringify(documentServiceAddress)})`);
  }
  const reportLinkKeys = readReportLinkKeys(env);
  const reportLinkBaseUrl = optionalUrl('REPORT_LINK_BASE_URL', env.REPORT_LINK_BASE_URL);
  return {
    grpcHost: env.VERIFICATION_GRPC_HOST ?? '127.0.0.1',
    grpcPort: envInteger(env, 'VERIFICATION_GRPC_PORT', 50054, 0, 65535),
    httpHost: env.VERIFICATION_HTTP_HOST ?? '127.0.0.1',
    httpPort: envInteger(env, 'VERIFICATION_HTTP_PORT', 8054, 0, 65535),
    httpEnabled: envFlag(env, 'VERIFICATION_HTTP', true),
    ...(reportLinkKeys ? { reportLinkKeys } : {}),
    reportLinkTtlMs: envInteger(env, 'REPORT_LINK_TTL_MINUTES', 15, 1, 7 * 24 * 60) * 60_000,
    ...(reportLinkBaseUrl ? { reportLinkBaseUrl: reportLinkBaseUrl.replace(/\/+$/, '') } : {}),
    mongoUrl: envMongoUrl(env, 'VERIFICATION_MONGO_URL', 'jitsuin_verification'),
    kafka: kafkaConnectionFromEnv(env),
    documentServiceAddress,
    trustAnchorPaths: list(env.TRUST_ANCHORS),
    allowTestJpki: envFlag(env, 'ALLOW_TEST_JPKI', false),
    jpkiEndpoints: parseJpkiEndpoints(env.JPKI_REVOCATION),
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
    signerAddressPolicies: readAddressPolicies(env.SIGNER_ADDRESS_POLICY, env.SIGNER_ADDRESS_POLICY_BY_TENANT),
    ...relaySettingsFromEnv(env),
    // Last: a service whose other settings are wrong says so first.
    access: accessSettingsFromEnv(env, 'verification'),
  };
}
