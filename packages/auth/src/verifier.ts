import { unauthenticated, unavailable } from '@jitsuin/errors';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { callerFromClaims, InvalidClaimsError, PLATFORM_AUDIENCE, type Caller } from './claims.js';

/**
 * Verifies platform access tokens offline: the platform's public keys are fetched once from its
 * JWKS (again only when a token names a key not seen yet, at most every 30 s) or read from a file.
 */
export interface VerifierSettings {
  /** The platform's issuer (AUTH_ISSUER). */
  issuer: string;
  /** Where the platform's public keys are: its JWKS endpoint, or the key set itself. */
  keys: { url: URL } | { set: JSONWebKeySet };
  /** Seconds of clock difference tolerated between the issuer and this service; default 5. */
  clockToleranceSec?: number;
}

/** Algorithms the platform signs with; anything else (`none`, HS256 with a public key) is refused. */
const ALGORITHMS = ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'];
/** A token is a few hundred bytes; this bounds what the verifier parses from a caller. */
const MAX_TOKEN_CHARS = 8192;
/** Platform tokens live minutes; one that claims to live longer was not issued by the platform. */
const MAX_TOKEN_AGE = '1h';
/**
 * Tokens verified already, until they expire: a client sends the same token with every call for
 * minutes, and checking its signature again each time costs most of what access adds to a call.
 * A token signed by a key that is withdrawn meanwhile stays good here until it expires.
 */
const VERIFIED_TOKENS = 5000;

export class TokenVerifier {
  private readonly keys: JWTVerifyGetKey;
  private readonly verified = new Map<string, Caller>();

  constructor(private readonly settings: VerifierSettings) {
    this.keys = 'url' in settings.keys
      ? createRemoteJWKSet(settings.keys.url, { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 })
      : createLocalJWKSet(settings.keys.set);
  }

  /** The caller a bearer token names; UNAUTHENTICATED saying what is wrong with it otherwise. */
  async verify(token: string): Promise<Caller> {
    if (token.length > MAX_TOKEN_CHARS) throw unauthenticated('the access token is too long to be a platform token');
    const known = this.verified.get(token);
    if (known && Date.now() < known.expiresAt.getTime()) return known;
    this.verified.delete(token);
    const caller = await this.verifySignedToken(token);
    // The oldest entry makes room: the map keeps insertion order.
    if (this.verified.size >= VERIFIED_TOKENS) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, caller);
    return caller;
  }

  private async verifySignedToken(token: string): Promise<Caller> {
    try {
      const { payload } = await jwtVerify(token, this.keys, {
        issuer: this.settings.issuer,
        audience: PLATFORM_AUDIENCE,
        algorithms: ALGORITHMS,
        requiredClaims: ['iat', 'exp', 'jti', 'sub'],
        maxTokenAge: MAX_TOKEN_AGE,
        clockTolerance: this.settings.clockToleranceSec ?? 5,
        // RFC 9068: an access token says so; an ID token or another JWT of the issuer is not one.
        typ: 'at+jwt',
      });
      return callerFromClaims(payload);
    } catch (err) {
      throw refusal(err);
    }
  }
}

/** Why a token is refused, in words that tell the caller what to do. */
function refusal(err: unknown): Error {
  if (err instanceof InvalidClaimsError) return unauthenticated(`the access token is not a platform token: ${err.message}`);
  if (err instanceof errors.JWTExpired) return unauthenticated('the access token has expired; get a new one from the token endpoint');
  if (err instanceof errors.JWTClaimValidationFailed) {
    const claim = err.claim;
    if (claim === 'iss') return unauthenticated('the access token was issued by another issuer than the platform');
    if (claim === 'aud') return unauthenticated(`the access token is not meant for the platform's API (audience ${PLATFORM_AUDIENCE})`);
    if (claim === 'iat' && err.reason === 'check_failed') return unauthenticated('the access token is older than any platform token may be');
    return unauthenticated(`the access token's ${claim} claim is not valid: ${err.message}`);
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return unauthenticated('the access token is signed with an algorithm the platform does not accept');
  if (err instanceof errors.JWSSignatureVerificationFailed) return unauthenticated("the access token's signature does not verify with the platform's keys");
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
    return unauthenticated('the access token names a signing key the platform does not publish');
  }
  // A failed fetch of the key set: fetch's TypeError, jose's timeout, a bad answer (a bare JOSEError).
  const keySetUnreadable = err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid
    || (err instanceof Error && err.name === 'TypeError') || (err instanceof Error && err.constructor === errors.JOSEError);
  if (keySetUnreadable) {
    // The platform's key set could not be fetched: not the caller's fault; they may try again.
    return unavailable("the platform's token keys cannot be read just now; try again shortly", err);
  }
  if (err instanceof errors.JOSEError) return unauthenticated('the access token is not a well-formed signed JWT');
  return err instanceof Error ? err : new Error(String(err));
}
