import { readFileSync } from 'node:fs';
import type { JSONWebKeySet, JWK } from 'jose';
import { SERVICE_CLIENT_PREFIX, type PlatformService } from './claims.js';
import { clientCredentialsTokens, type TokenSource } from './tokens.js';
import { TokenVerifier, type VerifierSettings } from './verifier.js';

/**
 * A service's access settings, read from the environment once, at start:
 *   AUTH_ISSUER           the platform's issuer URL (required)
 *   AUTH_JWKS_FILE        the platform's public keys as a JWKS file (verify without fetching), or
 *   AUTH_JWKS_URL         where to fetch them (default: <issuer>/jwks)
 *   AUTH_CLIENT_ID        this service's OAuth client (default jitsuin-service-<name>)
 *   AUTH_CLIENT_KEY_FILE  its private JWK (JSON), for tokens of its own calls to other services
 */
export interface AccessSettings {
  verifier: VerifierSettings;
  /** How this service gets tokens for its own calls; absent when it calls no other service. */
  client?: { issuer: URL; clientId: string; privateKey: JWK };
}

type Env = NodeJS.ProcessEnv;

function readJson(variable: string, file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${variable}: cannot read ${file} as JSON (${err instanceof Error ? err.message : String(err)})`);
  }
}

function issuerUrl(env: Env): URL {
  const raw = env.AUTH_ISSUER;
  if (!raw) throw new Error("AUTH_ISSUER must name the platform's token issuer (e.g. http://127.0.0.1:8060)");
  try {
    return new URL(raw);
  } catch {
    throw new Error(`AUTH_ISSUER must be a URL (got ${JSON.stringify(raw)})`);
  }
}

export function accessSettingsFromEnv(env: Env, service: PlatformService): AccessSettings {
  const issuer = issuerUrl(env);
  let keys: VerifierSettings['keys'];
  if (env.AUTH_JWKS_FILE) {
    const set = readJson('AUTH_JWKS_FILE', env.AUTH_JWKS_FILE) as JSONWebKeySet;
    if (!Array.isArray(set?.keys) || set.keys.length === 0) throw new Error(`AUTH_JWKS_FILE: ${env.AUTH_JWKS_FILE} holds no keys`);
    keys = { set };
  } else {
    keys = { url: new URL(env.AUTH_JWKS_URL || `${issuer.href.replace(/\/$/, '')}/jwks`) };
  }
  const keyFile = env.AUTH_CLIENT_KEY_FILE;
  return {
    verifier: { issuer: issuer.href.replace(/\/$/, ''), keys },
    ...(keyFile
      ? { client: { issuer, clientId: env.AUTH_CLIENT_ID || `${SERVICE_CLIENT_PREFIX}${service}`, privateKey: readJson('AUTH_CLIENT_KEY_FILE', keyFile) as JWK } }
      : {}),
  };
}

/** What a service builds from its settings: a verifier for its callers, tokens for its own calls. */
export function openAccess(settings: AccessSettings, tokens?: TokenSource): { verifier: TokenVerifier; tokens?: TokenSource } {
  const own = tokens ?? (settings.client ? clientCredentialsTokens(settings.client) : undefined);
  return { verifier: new TokenVerifier(settings.verifier), ...(own ? { tokens: own } : {}) };
}
