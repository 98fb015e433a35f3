import { InterceptingCall, Metadata, status, type Interceptor } from '@grpc/grpc-js';
import { unavailable } from '@jitsuin/errors';
import { importJWK, type JWK } from 'jose';
import * as oidc from 'openid-client';
import { PLATFORM_AUDIENCE } from './claims.js';

/** Where a caller gets the bearer token for its next call (refreshed before it expires). */
export interface TokenSource {
  token(): Promise<string>;
}

/** Renew a token this long before it expires, so a call never leaves with one about to lapse. */
const RENEW_BEFORE_MS = 60_000;

/**
 * A platform service's or a bank system's tokens: OAuth 2.0 client credentials at the
 * platform's token endpoint (found through its discovery document), the client authenticated by
 * `private_key_jwt` with its private JWK. One request at a time; the token is reused until a
 * minute before it expires.
 */
export function clientCredentialsTokens(settings: {
  issuer: URL;
  clientId: string;
  privateKey: JWK;
  /** Narrower roles than the client's registered ones, space separated. */
  scope?: string;
}): TokenSource {
  let config: Promise<oidc.Configuration> | undefined;
  let current: { token: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;

  const configure = async () => {
    const alg = settings.privateKey.alg ?? (settings.privateKey.kty === 'EC' ? 'ES256' : 'RS256');
    const key = await importJWK(settings.privateKey, alg);
    const clientAuth = oidc.PrivateKeyJwt({ key: key as CryptoKey, kid: settings.privateKey.kid });
    // A loopback issuer (./jitsuin up, tests) is plain HTTP; any other must be HTTPS.
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(settings.issuer.hostname);
    return oidc.discovery(settings.issuer, settings.clientId, { token_endpoint_auth_method: 'private_key_jwt' }, clientAuth, {
      ...(loopback ? { execute: [oidc.allowInsecureRequests] } : {}),
      timeout: 10,
    });
  };

  const fetchToken = async (): Promise<string> => {
    try {
      config ??= configure();
      const answer = await oidc.clientCredentialsGrant(await config, {
        resource: PLATFORM_AUDIENCE,
        ...(settings.scope ? { scope: settings.scope } : {}),
      });
      const lifetimeMs = (answer.expires_in ?? 300) * 1000;
      current = { token: answer.access_token, renewAt: Date.now() + Math.max(lifetimeMs - RENEW_BEFORE_MS, lifetimeMs / 2) };
      return answer.access_token;
    } catch (err) {
      // Discovery is tried again on the next call (the auth service may have been starting).
      config = undefined;
      throw unavailable(`no access token from ${settings.issuer.href} for ${settings.clientId}: ${err instanceof Error ? err.message : String(err)}`, err);
    }
  };

  return {
    token: () => {
      if (current && Date.now() < current.renewAt) return Promise.resolve(current.token);
      pending ??= fetchToken().finally(() => (pending = undefined));
      return pending;
    },
  };
}

/** The same token every time: for a caller that was handed one (a gateway forwarding its caller's). */
export const fixedToken = (token: string): TokenSource => ({ token: () => Promise.resolve(token) });

export const AUTHORIZATION = 'authorization';

/** The bearer token of a call's metadata, if it has one. */
export function bearerOf(metadata: Metadata): string | undefined {
  const values = metadata.get(AUTHORIZATION);
  if (values.length !== 1 || typeof values[0] !== 'string') return undefined;
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(values[0]);
  return match?.[1];
}

/**
 * A gRPC client interceptor that sends `authorization: Bearer <token>` with every call. A token
 * that cannot be had fails the call with UNAVAILABLE and the reason.
 */
export function bearerInterceptor(source: TokenSource): Interceptor {
  return (options, nextCall): InterceptingCall =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        source.token().then(
          (token) => {
            metadata.set(AUTHORIZATION, `Bearer ${token}`);
            next(metadata, listener);
          },
          (err: unknown) => {
            // The call never leaves: its caller gets the reason as the call's status.
            listener.onReceiveStatus({ code: status.UNAVAILABLE, details: err instanceof Error ? err.message : String(err), metadata: new Metadata() });
          },
        );
      },
    });
}
