import { errors, jwtVerify, SignJWT } from 'jose';

/**
 * Signed, expiring links: a compact JWS (HS256, jose) naming what the link opens (purpose), the
 * tenant, the resource (e.g. a revision id) and the expiry, carried in the page's URL. The
 * server that makes links and the one that opens them share the keys; `previous` is still
 * accepted while links made with it may be in use (key rotation), and never signs.
 */
export interface LinkKeys {
  current: Uint8Array;
  previous?: Uint8Array;
}

/** What a valid link names. */
export interface LinkClaims {
  purpose: string;
  tenant: string;
  resource: string;
  expiresAt: Date;
}

export const MIN_LINK_KEY_BYTES = 32;

/** The header type of link tokens: a platform access token is not a link, nor the reverse. */
const LINK_TYPE = 'jitsuin-link+jwt';

/** Leeway for clocks of different servers; an expiry is otherwise exact. */
const CLOCK_TOLERANCE_S = 5;

/** A key from configuration (`name` says which setting in the error): at least 32 bytes of it. */
export function linkKey(name: string, secret: string): Uint8Array {
  const key = new TextEncoder().encode(secret);
  if (key.length < MIN_LINK_KEY_BYTES) {
    throw new Error(`${name} must be a secret of at least ${MIN_LINK_KEY_BYTES} bytes (e.g. openssl rand -base64 32)`);
  }
  return key;
}

/** Why a link does not open its page; the page says none of it, the log may. */
export type LinkRefusal = 'missing' | 'invalid' | 'expired' | 'elsewhere';

export class LinkRefused extends Error {
  constructor(readonly reason: LinkRefusal) {
    super(`link refused: ${reason}`);
    this.name = 'LinkRefused';
  }

  /** 401 without a usable link; 403 for a valid link to another page. */
  get httpStatus(): 401 | 403 {
    return this.reason === 'elsewhere' ? 403 : 401;
  }
}

/** A token for one resource of one tenant, valid for `ttlMs` from `now`. */
export async function signedLink(
  keys: LinkKeys,
  link: { purpose: string; tenant: string; resource: string; ttlMs: number; now?: Date },
): Promise<{ token: string; expiresAt: Date }> {
  const now = link.now ?? new Date();
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + Math.max(1, Math.floor(link.ttlMs / 1000));
  const token = await new SignJWT({ ten: link.tenant })
    .setProtectedHeader({ alg: 'HS256', typ: LINK_TYPE })
    .setAudience(link.purpose)
    .setSubject(link.resource)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(keys.current);
  return { token, expiresAt: new Date(exp * 1000) };
}

/**
 * The link's claims if `token` is signed by one of the keys, is a link for `expected.purpose`,
 * has not expired at `now`, and names the expected tenant and resource; LinkRefused otherwise.
 * Only HS256 is accepted (`alg: none` and every other algorithm are refused by jose).
 */
export async function verifyLink(
  keys: LinkKeys,
  token: string | undefined,
  expected: { purpose: string; tenant: string; resource: string },
  now: Date = new Date(),
): Promise<LinkClaims> {
  if (token === undefined || token === '') throw new LinkRefused('missing');
  for (const key of [keys.current, ...(keys.previous ? [keys.previous] : [])]) {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: ['HS256'],
        typ: LINK_TYPE,
        audience: expected.purpose,
        requiredClaims: ['exp', 'sub'],
        currentDate: now,
        clockTolerance: CLOCK_TOLERANCE_S,
      }));
    } catch (err) {
      if (err instanceof errors.JWSSignatureVerificationFailed) continue;
      if (err instanceof errors.JWTExpired) throw new LinkRefused('expired');
      throw new LinkRefused('invalid');
    }
    if (typeof payload.ten !== 'string' || typeof payload.sub !== 'string') throw new LinkRefused('invalid');
    if (payload.ten !== expected.tenant || payload.sub !== expected.resource) throw new LinkRefused('elsewhere');
    return { purpose: expected.purpose, tenant: payload.ten, resource: payload.sub, expiresAt: new Date(payload.exp! * 1000) };
  }
  throw new LinkRefused('invalid');
}
