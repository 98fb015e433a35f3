// Platform access tokens for tests: an issuer with a key of its own that signs tokens exactly as
// the auth service does (the claims come from @jitsuin/auth's callerClaims), so a service under
// test verifies them with its real verifier. Services are configured for it through the same
// environment as in production (AUTH_ISSUER, AUTH_JWKS_FILE); the tokens a service needs for its
// own calls are handed to it (start functions take a TokenSource).
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  credentials,
  InterceptingCall,
  type ChannelCredentials,
  type ChannelOptions,
  type Client,
  type Interceptor,
  type Metadata,
} from '@grpc/grpc-js';
import {
  bearerInterceptor,
  callerClaims,
  fixedToken,
  PLATFORM_AUDIENCE,
  SERVICE_CLIENT_PREFIX,
  type PlatformService,
  type Role,
  type TokenSource,
} from '@jitsuin/auth';
import { SignJWT, type JWK } from 'jose';

/** Who a test token speaks for. */
export type TestCaller =
  | { tenant: string; roles: Exclude<Role, 'operator' | 'service'>[]; subject?: string }
  | { operator: true }
  | { service: PlatformService };

export interface MintOptions {
  /** Seconds from now; negative for a token that has expired. Default 300. */
  expiresIn?: number;
  audience?: string;
  issuer?: string;
}

export interface TestIssuer {
  issuer: string;
  /** AUTH_ISSUER and AUTH_JWKS_FILE for a service under test. */
  env: { AUTH_ISSUER: string; AUTH_JWKS_FILE: string };
  jwks: { keys: JWK[] };
  mint(caller: TestCaller, options?: MintOptions): Promise<string>;
  /** A TokenSource for `caller`, minting a fresh token each call. */
  tokens(caller: TestCaller): TokenSource;
  /** gRPC client options sending `caller`'s token with every call. */
  as(caller: TestCaller): ChannelOptions & { interceptors: Interceptor[] };
  /**
   * gRPC client options for tests that use many tenants through one client: each call carries a
   * token of a member (with `roles`) of the tenant its request names. The services still take the
   * tenant from the token; this only spares such tests a client per tenant.
   */
  memberOfRequestedTenant(roles?: Exclude<Role, 'operator' | 'service'>[]): ChannelOptions & { interceptors: Interceptor[] };
  close(): void;
}

function claimsOf(caller: TestCaller) {
  if ('service' in caller) {
    const clientId = `${SERVICE_CLIENT_PREFIX}${caller.service}`;
    return callerClaims({ subject: clientId, clientId, roles: ['service'] });
  }
  if ('operator' in caller) return callerClaims({ subject: 'operator', clientId: 'operator', roles: ['operator'] });
  const clientId = caller.subject ?? `${caller.tenant}-${caller.roles.join('-')}`;
  return callerClaims({ subject: clientId, clientId, roles: caller.roles, tenantId: caller.tenant });
}

/** A token signed by `key` for `caller`: the one way tests make tokens, also with a foreign key. */
export async function signToken(key: KeyObject | CryptoKey, kid: string, issuer: string, caller: TestCaller, options: MintOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const expiresIn = options.expiresIn ?? 300;
  return new SignJWT(claimsOf(caller))
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
    .setIssuer(options.issuer ?? issuer)
    .setAudience(options.audience ?? PLATFORM_AUDIENCE)
    .setIssuedAt(expiresIn < 0 ? now + expiresIn - 60 : now)
    .setExpirationTime(now + expiresIn)
    .setJti(randomUUID())
    .sign(key);
}

/** A new issuer with a key of its own (its JWKS written to a temporary file for AUTH_JWKS_FILE). */
export function createTestIssuer(issuer = 'http://127.0.0.1:1/test-issuer'): TestIssuer {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = randomUUID();
  const jwk = { ...(publicKey.export({ format: 'jwk' }) as JWK), kid, alg: 'ES256', use: 'sig' };
  const dir = mkdtempSync(path.join(tmpdir(), 'jitsuin-issuer-'));
  const jwksFile = path.join(dir, 'jwks.json');
  const jwks = { keys: [jwk] };
  writeFileSync(jwksFile, JSON.stringify(jwks));
  const mint = (caller: TestCaller, options?: MintOptions) => signToken(privateKey, kid, issuer, caller, options);
  const tokens = (caller: TestCaller): TokenSource => ({ token: () => mint(caller) });
  return {
    issuer,
    env: { AUTH_ISSUER: issuer, AUTH_JWKS_FILE: jwksFile },
    jwks,
    mint,
    tokens,
    as: (caller) => ({ interceptors: [bearerInterceptor(tokens(caller))] }),
    memberOfRequestedTenant: (roles = ['admin', 'sender', 'auditor']) => ({
      interceptors: [requestedTenantInterceptor((tenant) => mint({ tenant, roles }))],
    }),
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** gRPC client options sending one given token (or none: `undefined`) with every call. */
export function withToken(token: string | undefined): { interceptors: Interceptor[] } {
  return { interceptors: token === undefined ? [] : [bearerInterceptor(fixedToken(token))] };
}

/** A client of `Service` at `address` calling as `caller` of `issuer` (plaintext, loopback). */
export function clientAs<C extends Client>(
  Service: new (address: string, creds: ChannelCredentials, options?: ChannelOptions) => C,
  address: string,
  issuer: TestIssuer,
  caller: TestCaller,
): C {
  return new Service(address, credentials.createInsecure(), issuer.as(caller));
}

/** The tenant a request names, wherever the platform's requests carry it. */
function requestedTenant(message: unknown): string | undefined {
  const m = message as Record<string, any> | undefined;
  const candidates = [
    m?.tenantId,
    m?.part?.value?.tenantId, // an upload's or a revision's first message
    m?.part?.value?.source?.value?.tenantId, // VerifyDocument's start
    m?.revision?.tenantId, // the signing service's revision reference
    m?.config?.tenantId, // notification settings
  ];
  return candidates.find((c): c is string => typeof c === 'string' && c !== '');
}

/**
 * Holds a call's metadata until its first message is known, then sends the token `mint` makes
 * for the tenant that message names (grpc-js keeps the message until the metadata has gone).
 */
export function requestedTenantInterceptor(mint: (tenant: string) => Promise<string>): Interceptor {
  return (options, nextCall) => {
    let begin: ((token: string) => void) | undefined;
    return new InterceptingCall(nextCall(options), {
      start(metadata: Metadata, listener, next) {
        begin = (token) => {
          metadata.set('authorization', `Bearer ${token}`);
          next(metadata, listener);
        };
      },
      sendMessage(message, next) {
        const start = begin;
        begin = undefined;
        if (!start) return next(message);
        // A request naming no tenant (a malformed one, a session id) is a member's of some tenant.
        mint(requestedTenant(message) ?? 'tenant-unnamed').then((token) => {
          start(token);
          next(message);
        });
      },
    });
  };
}

let shared: TestIssuer | undefined;

/** One issuer for every service a test process starts (they then accept each other's tokens). */
export function testIssuer(): TestIssuer {
  shared ??= createTestIssuer();
  return shared;
}
