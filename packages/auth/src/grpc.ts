import type { Metadata } from '@grpc/grpc-js';
import { unauthenticated } from '@jitsuin/errors';
import type { Caller } from './claims.js';
import { bearerOf } from './tokens.js';
import type { TokenVerifier } from './verifier.js';

/** Who is calling, from a call's metadata. */
export type Authenticator = (metadata: Metadata) => Promise<Caller>;

/** The caller a call's bearer token names; UNAUTHENTICATED when there is none or it does not hold. */
export function authenticator(verifier: TokenVerifier): Authenticator {
  return async (metadata) => {
    const token = bearerOf(metadata);
    if (token === undefined) {
      throw unauthenticated('this call needs a platform access token (metadata "authorization: Bearer <token>"; get one at the token endpoint)');
    }
    return verifier.verify(token);
  };
}
