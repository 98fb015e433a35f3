import { createPrivateKey, createPublicKey, type JsonWebKey } from 'node:crypto';
import { invalidArgument } from '@jitsuin/errors';

/**
 * JWK sets: the platform's private signing keys (read from a file at start) and a client's
 * public keys (registered through the admin API or the clients file). Checked here once, so
 * that the provider never meets a key it cannot use.
 */
export type Jwk = JsonWebKey & { kid: string; alg?: string; use?: string };
export interface JwkSet {
  keys: Jwk[];
}

/** Algorithms a client may sign its assertions with. */
export const CLIENT_ASSERTION_ALGS = ['RS256', 'PS256', 'ES256'] as const;
/** Algorithms the platform signs access tokens with. */
export const TOKEN_SIGNING_ALGS = ['ES256', 'RS256'] as const;

/** Two keys during a rotation; a little room beyond that, no more. */
export const MAX_CLIENT_KEYS = 4;

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

function parseSet(json: unknown, what: string): Record<string, unknown>[] {
  const keys = (json as { keys?: unknown } | null)?.keys;
  if (typeof json !== 'object' || json === null || !Array.isArray(keys)) throw invalidArgument(`${what} must be a JWK set: {"keys": [...]}`);
  if (keys.some((k) => typeof k !== 'object' || k === null)) throw invalidArgument(`${what} holds something that is not a JWK`);
  return keys as Record<string, unknown>[];
}

function algOf(jwk: Record<string, unknown>, allowed: readonly string[], what: string): string {
  const kty = jwk.kty;
  const inferred = kty === 'EC' && jwk.crv === 'P-256' ? 'ES256' : kty === 'RSA' ? 'RS256' : undefined;
  if (kty === 'EC' && jwk.crv !== 'P-256') throw invalidArgument(`${what}: EC keys must be on P-256 (ES256)`);
  if (kty !== 'EC' && kty !== 'RSA') throw invalidArgument(`${what}: keys must be RSA or EC P-256 (got kty ${JSON.stringify(kty)})`);
  const alg = jwk.alg ?? inferred;
  if (typeof alg !== 'string' || !allowed.includes(alg)) throw invalidArgument(`${what}: alg must be one of ${allowed.join(', ')} (got ${JSON.stringify(jwk.alg)})`);
  if ((alg.startsWith('ES') && kty !== 'EC') || (!alg.startsWith('ES') && kty !== 'RSA')) {
    throw invalidArgument(`${what}: alg ${alg} does not fit a ${kty} key`);
  }
  if (jwk.use !== undefined && jwk.use !== 'sig') throw invalidArgument(`${what}: use must be "sig"`);
  return alg;
}

function checkKid(jwk: Record<string, unknown>, seen: Set<string>, what: string): string {
  const kid = jwk.kid;
  if (typeof kid !== 'string' || kid === '' || kid.length > 200) throw invalidArgument(`${what}: every key needs a kid (key id)`);
  if (seen.has(kid)) throw invalidArgument(`${what}: kid ${kid} is there twice`);
  seen.add(kid);
  return kid;
}

function rsaBits(jwk: Record<string, unknown>): number {
  return typeof jwk.n === 'string' ? Buffer.from(jwk.n, 'base64url').length * 8 : 0;
}

/** A client's public JWK set: public RSA (2048 bits or more) or P-256 keys, each with a kid. */
export function parseClientJwks(json: unknown): JwkSet {
  const what = 'the client JWK set';
  const keys = parseSet(json, what);
  if (keys.length === 0) throw invalidArgument(`${what} has no key`);
  if (keys.length > MAX_CLIENT_KEYS) throw invalidArgument(`${what} holds ${keys.length} keys; at most ${MAX_CLIENT_KEYS} (two during a rotation)`);
  const seen = new Set<string>();
  return {
    keys: keys.map((jwk) => {
      const kid = checkKid(jwk, seen, what);
      const where = `${what}, key ${kid}`;
      if (PRIVATE_MEMBERS.some((m) => m in jwk)) throw invalidArgument(`${where} is a private key: register only the public key`);
      const alg = algOf(jwk, CLIENT_ASSERTION_ALGS, where);
      if (jwk.kty === 'RSA' && rsaBits(jwk) < 2048) throw invalidArgument(`${where}: RSA keys must have 2048 bits or more`);
      let exported: JsonWebKey;
      try {
        exported = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }).export({ format: 'jwk' });
      } catch {
        throw invalidArgument(`${where} is not a valid public key`);
      }
      // An RSA key registered without alg may sign RS256 or PS256 assertions.
      return { ...exported, kid, ...(jwk.alg !== undefined || jwk.kty === 'EC' ? { alg } : {}), use: 'sig' };
    }),
  };
}

/** Parses a JWK set given as JSON text (the admin API's field). */
export function parseClientJwksJson(text: string): JwkSet {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalidArgument('the client JWK set is not JSON');
  }
  return parseClientJwks(json);
}

export interface SigningKeys {
  /** Private JWKs, the signing key first. */
  privateKeys: Jwk[];
  /** What the JWKS endpoint publishes: every key's public part. */
  publicJwks: JwkSet;
  /** The key that signs, and its algorithm. */
  signingKid: string;
  signingAlg: (typeof TOKEN_SIGNING_ALGS)[number];
}

/**
 * The platform's signing key set: private ES256 (P-256) or RS256 keys with distinct kids. The
 * first signs; the others are published only, so that a new key can be announced before it
 * signs and an old one stays published while its tokens live.
 */
export function parseSigningKeys(json: unknown): SigningKeys {
  const what = 'the signing key set';
  const keys = parseSet(json, what);
  if (keys.length === 0) throw invalidArgument(`${what} has no key`);
  const seen = new Set<string>();
  const privateKeys: Jwk[] = [];
  const publicKeys: Jwk[] = [];
  for (const jwk of keys) {
    const kid = checkKid(jwk, seen, what);
    const where = `${what}, key ${kid}`;
    const alg = algOf(jwk, TOKEN_SIGNING_ALGS, where);
    if (typeof jwk.d !== 'string') throw invalidArgument(`${where} is not a private key`);
    let publicJwk: JsonWebKey;
    try {
      publicJwk = createPublicKey(createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' })).export({ format: 'jwk' });
    } catch {
      throw invalidArgument(`${where} is not a valid private key`);
    }
    if (jwk.kty === 'RSA' && rsaBits(jwk) < 2048) throw invalidArgument(`${where}: RSA keys must have 2048 bits or more`);
    privateKeys.push({ ...(jwk as JsonWebKey), kid, alg, use: 'sig' });
    publicKeys.push({ ...publicJwk, kid, alg, use: 'sig' });
  }
  const first = privateKeys[0]!;
  return { privateKeys, publicJwks: { keys: publicKeys }, signingKid: first.kid, signingAlg: first.alg as SigningKeys['signingAlg'] };
}
