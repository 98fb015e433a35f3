import type { Metadata } from '@grpc/grpc-js';
import { PLATFORM_AUDIENCE, callerFromClaims, type Caller } from '@jitsuin/auth';
import { unauthenticated } from '@jitsuin/errors';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { TOKEN_SIGNING_ALGS } from '../domain/jwks.js';

/** Who a bearer token says is calling; UNAUTHENTICATED when it does not verify. */
export type VerifyAccessToken = (token: string) => Promise<Caller>;

/**
 * Checks a platform access token against the service's own published keys, as every other
 * service checks it against the JWKS: signature, issuer, audience, expiry, then the claims.
 * The one place this service verifies a caller (packages/auth's shared verifier can replace it).
 */
export function accessTokenVerifier(issuer: string, publicJwks: JSONWebKeySet): VerifyAccessToken {
  const keys = createLocalJWKSet(publicJwks);
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer,
        audience: PLATFORM_AUDIENCE,
        algorithms: [...TOKEN_SIGNING_ALGS],
        typ: 'at+jwt',
      });
      return callerFromClaims(payload);
    } catch (err) {
      throw unauthenticated(`the access token is not valid: ${(err as Error).message}`);
    }
  };
}

/** The caller of a gRPC call, from its `authorization: Bearer <token>` metadata. */
export async function callerOf(metadata: Metadata, verify: VerifyAccessToken): Promise<Caller> {
  const [header] = metadata.get('authorization');
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) throw unauthenticated('the call carries no access token (metadata authorization: Bearer <token>)');
  return verify(match[1]!);
}
