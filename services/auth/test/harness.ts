import { randomUUID } from 'node:crypto';
import { credentials, Metadata } from '@grpc/grpc-js';
import { AuthServiceClient } from '@jitsuin/proto/auth/v1/auth';
import { callUnary, createLogger } from '@jitsuin/rpc';
import { generateKeyPairJwk, writePlatformAuthFiles, type KeyPair, type PlatformAuthFiles, type PlatformClientKeys } from '@jitsuin/testkit/auth';
import { freePort } from '@jitsuin/testkit/pki';
import { testInfra } from '@jitsuin/testkit/vitest';
import { createRemoteJWKSet, importJWK, jwtVerify, type JWTPayload } from 'jose';
import { MongoClient } from 'mongodb';
import * as oauth from 'openid-client';
import { readConfig, type AuthConfig } from '../src/config.js';
import { startAuthService, type RunningAuthService } from '../src/service.js';

export { callUnary, generateKeyPairJwk, oauth, writePlatformAuthFiles, type KeyPair, type PlatformAuthFiles };
export { statusOf } from '@jitsuin/testkit';

// ---------------------------------------------------------------- the service

export interface TestAuth {
  service: RunningAuthService;
  config: AuthConfig;
  issuer: string;
  admin: AuthServiceClient;
  stop(): Promise<void>;
}

/** A database of its own, unless `mongoUrl` shares another instance's. */
export function testDatabaseUrl(): string {
  const mongo = new URL(testInfra().mongoUrl);
  mongo.pathname = `/auth_test_${randomUUID().slice(0, 8)}`;
  return mongo.toString();
}

/**
 * The service in this process on free ports, reading `files`. Its issuer is its own URL unless
 * `issuer` names another (replicas behind one issuer).
 */
export async function startTestAuth(files: PlatformAuthFiles, overrides: Partial<AuthConfig> = {}): Promise<TestAuth> {
  const httpPort = await freePort();
  const issuer = overrides.issuer ?? `http://127.0.0.1:${httpPort}`;
  const config: AuthConfig = {
    ...readConfig({ ...files.env, MONGO_URL: testInfra().mongoUrl }),
    httpPort,
    grpcPort: 0,
    issuer,
    mongoUrl: testDatabaseUrl(),
    shutdownGraceMs: 2_000,
    ...overrides,
  };
  const service = await startAuthService(config, createLogger('auth-test', process.env.TEST_LOG_LEVEL ?? 'silent'));
  const admin = new AuthServiceClient(service.address, credentials.createInsecure());
  return {
    service,
    config,
    issuer,
    admin,
    stop: async () => {
      admin.close();
      await service.stop();
    },
  };
}

/** Drops a test database (FerretDB keeps every collection it ever made otherwise). */
export async function dropDatabase(mongoUrl: string): Promise<void> {
  const client = new MongoClient(mongoUrl);
  try {
    await client.db().dropDatabase();
  } finally {
    await client.close();
  }
}

/** The raw documents of a collection of the service's database, as stored. */
export async function rawDocuments(mongoUrl: string, collection: string): Promise<Record<string, unknown>[]> {
  const client = new MongoClient(mongoUrl);
  try {
    return await client.db().collection(collection).find({}).toArray();
  } finally {
    await client.close();
  }
}

// ---------------------------------------------------------------- a client, as a bank's system

export const privateKeyOf = (key: KeyPair) => importJWK(key.privateJwk, key.alg) as Promise<CryptoKey>;

/**
 * A client's openid-client configuration, found by discovery at the issuer, authenticating with
 * private_key_jwt (`key`) or a secret; http is allowed for the loopback test issuer only.
 */
export async function oauthClient(
  issuer: string,
  clientId: string,
  auth: { key: KeyPair; modify?: oauth.ModifyAssertionFunction } | { secret: string; method: 'basic' | 'post' },
): Promise<oauth.Configuration> {
  const clientAuth =
    'key' in auth
      ? oauth.PrivateKeyJwt({ key: await privateKeyOf(auth.key), kid: auth.key.kid }, auth.modify ? { [oauth.modifyAssertion]: auth.modify } : {})
      : auth.method === 'basic'
        ? oauth.ClientSecretBasic(auth.secret)
        : oauth.ClientSecretPost(auth.secret);
  return oauth.discovery(new URL(issuer), clientId, undefined, clientAuth, { execute: [oauth.allowInsecureRequests] });
}

/** An access token for `clientId` by the client credentials grant. */
export async function getToken(config: oauth.Configuration, scope?: string): Promise<string> {
  const response = await oauth.clientCredentialsGrant(config, scope ? { scope } : {});
  return response.access_token;
}

/** The OAuth error a token request failed with (e.g. invalid_client); throws if it succeeded. */
export async function oauthErrorOf(request: Promise<unknown>): Promise<string> {
  try {
    await request;
  } catch (err) {
    // A refused client authentication with HTTP Basic comes as a 401 challenge; the body still says why.
    if (err instanceof oauth.WWWAuthenticateChallengeError) return ((await err.response.json()) as { error: string }).error;
    const e = err as { error?: string };
    if (e.error) return e.error;
    throw err;
  }
  throw new Error('the token request succeeded but was expected to fail');
}

/** A token's claims, verified as a resource server verifies them: against the published JWKS. */
export async function verifyToken(issuer: string, token: string): Promise<{ payload: JWTPayload; kid?: string }> {
  const metadata = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { jwks_uri: string };
  const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(metadata.jwks_uri)), {
    issuer,
    audience: 'urn:jitsuin:api',
    typ: 'at+jwt',
  });
  return { payload, kid: protectedHeader.kid };
}

/** A token of one of the platform's clients (operator, services) from the clients file. */
export async function platformToken(issuer: string, client: PlatformClientKeys): Promise<string> {
  return getToken(await oauthClient(issuer, client.clientId, { key: client.key }));
}

export const bearer = (token: string) => {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return { metadata };
};

/** Registers a private_key_jwt client for `tenantId` as the operator; returns its id and key. */
export async function registerKeyClient(auth: TestAuth, operatorToken: string, tenantId: string, roles: string[]) {
  const key = await generateKeyPairJwk('ES256');
  const { client } = await callUnary(
    auth.admin.createClient.bind(auth.admin),
    { tenantId, name: `${tenantId} system`, roles, authMethod: 1, jwksJson: JSON.stringify({ keys: [key.publicJwk] }) },
    bearer(operatorToken),
  );
  return { clientId: client!.clientId, key };
}

export const tenantId = () => `bank-${randomUUID().slice(0, 8)}`;
