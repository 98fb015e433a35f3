import { readFileSync } from 'node:fs';
import { credentials } from '@grpc/grpc-js';
import { bearerInterceptor, clientCredentialsTokens, type Role, type TokenSource } from '@jitsuin/auth';
import { AuthServiceClient, ClientAuthMethod } from '@jitsuin/proto/auth/v1/auth';
import { callUnary } from '@jitsuin/rpc';
import { OPERATOR_CLIENT_ID } from '@jitsuin/testkit/auth';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { PlatformAuth } from './platform.js';

/**
 * Tokens as a bank's system gets them: the platform's operator registers an API client for the
 * tenant with its public key (the auth service's admin API), then the client asks the token
 * endpoint for tokens with private_key_jwt. The demos and the end-to-end tests call the platform
 * this way; nothing here mints a token itself.
 */

/** The platform operator's tokens (its key is one of the platform's own clients). */
export function operatorTokens(auth: PlatformAuth): TokenSource {
  const privateKey = JSON.parse(readFileSync(auth.files.keyFile(OPERATOR_CLIENT_ID), 'utf8')) as JWK;
  return clientCredentialsTokens({ issuer: new URL(auth.issuer), clientId: OPERATOR_CLIENT_ID, privateKey });
}

/** A new API client of `tenantId` with `roles`, registered by the operator; its tokens. */
export async function registerTenantClient(
  auth: PlatformAuth,
  authAddress: string,
  operator: TokenSource,
  tenantId: string,
  roles: Exclude<Role, 'operator' | 'service'>[],
): Promise<TokenSource> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = `${tenantId}-${Date.now()}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const admin = new AuthServiceClient(authAddress, credentials.createInsecure(), { interceptors: [bearerInterceptor(operator)] });
  try {
    const { client } = await callUnary(admin.createClient.bind(admin), {
      tenantId,
      name: `${tenantId} system`,
      roles,
      authMethod: ClientAuthMethod.CLIENT_AUTH_METHOD_PRIVATE_KEY_JWT,
      jwksJson: JSON.stringify({ keys: [publicJwk] }),
    });
    return clientCredentialsTokens({
      issuer: new URL(auth.issuer),
      clientId: client!.clientId,
      privateKey: { ...(await exportJWK(privateKey)), kid, alg: 'ES256' },
    });
  } finally {
    admin.close();
  }
}

/** Tokens of a client of each tenant asked for, registered on first use and kept. */
export function tenantClients(auth: PlatformAuth, authAddress: string, roles: Exclude<Role, 'operator' | 'service'>[]) {
  const operator = operatorTokens(auth);
  const clients = new Map<string, Promise<TokenSource>>();
  return (tenantId: string): Promise<TokenSource> => {
    let client = clients.get(tenantId);
    if (!client) {
      client = registerTenantClient(auth, authAddress, operator, tenantId, roles);
      client.catch(() => clients.delete(tenantId));
      clients.set(tenantId, client);
    }
    return client;
  };
}
