import { envFlag, envInteger, envMongoUrl } from '@jitsuin/rpc';

/** The auth service's settings, read from the environment once, at start. */
export interface AuthConfig {
  /** The OAuth endpoints (token, JWKS, discovery). */
  httpHost: string;
  httpPort: number;
  /** The admin API (jitsuin.auth.v1.AuthService). */
  grpcHost: string;
  grpcPort: number;
  /**
   * The issuer identifier: every token's `iss`, and the origin of the endpoints in discovery.
   * https, except on a loopback host (local runs and tests).
   */
  issuer: string;
  /** Behind a TLS-terminating proxy: trust its X-Forwarded-Proto/Host. */
  trustProxy: boolean;
  mongoUrl: string;
  /** Lifetime of an access token. */
  accessTokenTtlSeconds: number;
  /** The platform's private JWK set; its first key signs, all are published. */
  signingKeysFile: string;
  /** The platform's own clients (services, operator) and their public JWK sets. */
  clientsFile: string;
  /** How often stored records past their expiry (used assertion ids) are deleted. */
  sweepMs: number;
  shutdownGraceMs: number;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The issuer as configured: an https URL, or http on a loopback host only. */
export function parseIssuer(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`AUTH_ISSUER must be a URL (got ${JSON.stringify(raw)})`);
  }
  if (url.search || url.hash) throw new Error('AUTH_ISSUER must have no query or fragment');
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new Error('AUTH_ISSUER must be an https URL (http is only for a loopback host: 127.0.0.1, localhost, [::1])');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('AUTH_ISSUER must be an https URL');
  return url.href.replace(/\/$/, '');
}

function requiredFile(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const value = env[name]?.trim();
  if (!value) throw new Error(`${name} must name ${what}`);
  return value;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  const httpHost = env.AUTH_HTTP_HOST?.trim() || '127.0.0.1';
  const httpPort = envInteger(env, 'AUTH_HTTP_PORT', 8060, 0, 65535);
  return {
    httpHost,
    httpPort,
    grpcHost: env.AUTH_GRPC_HOST?.trim() || '127.0.0.1',
    grpcPort: envInteger(env, 'AUTH_GRPC_PORT', 50060, 0, 65535),
    issuer: parseIssuer(env.AUTH_ISSUER?.trim() || 'http://127.0.0.1:8060'),
    trustProxy: envFlag(env, 'AUTH_TRUST_PROXY', false),
    mongoUrl: envMongoUrl(env, 'AUTH_MONGO_URL', 'jitsuin_auth'),
    accessTokenTtlSeconds: envInteger(env, 'AUTH_ACCESS_TOKEN_TTL_SECONDS', 300, 10, 3600),
    signingKeysFile: requiredFile(env, 'AUTH_SIGNING_KEYS_FILE', "the platform's private JWK set (JSON)"),
    clientsFile: requiredFile(env, 'AUTH_CLIENTS_FILE', "the platform's clients (JSON)"),
    sweepMs: envInteger(env, 'AUTH_SWEEP_MS', 60_000, 100, 3_600_000),
    shutdownGraceMs: envInteger(env, 'SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
  };
}
