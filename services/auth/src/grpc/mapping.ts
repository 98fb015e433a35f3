import { ClientAuthMethod, type Client } from '@jitsuin/proto/auth/v1/auth';
import type { AuthMethod, RegisteredClient } from '../domain/clients.js';
import { parseClientJwksJson, type JwkSet } from '../domain/jwks.js';

const METHOD_TO_PROTO: Record<AuthMethod, ClientAuthMethod> = {
  private_key_jwt: ClientAuthMethod.CLIENT_AUTH_METHOD_PRIVATE_KEY_JWT,
  client_secret_basic: ClientAuthMethod.CLIENT_AUTH_METHOD_CLIENT_SECRET_BASIC,
  client_secret_post: ClientAuthMethod.CLIENT_AUTH_METHOD_CLIENT_SECRET_POST,
};

export function authMethodFromProto(method: ClientAuthMethod): AuthMethod | undefined {
  return (Object.keys(METHOD_TO_PROTO) as AuthMethod[]).find((m) => METHOD_TO_PROTO[m] === method);
}

/** A JWK set sent as JSON text; undefined when the field is empty. */
export function jwksFromProto(json: string): JwkSet | undefined {
  return json.trim() === '' ? undefined : parseClientJwksJson(json);
}

export function clientToProto(client: RegisteredClient): Client {
  return {
    clientId: client.clientId,
    tenantId: client.tenantId ?? '',
    name: client.name,
    roles: [...client.roles],
    authMethod: METHOD_TO_PROTO[client.authMethod],
    jwksJson: client.jwks ? JSON.stringify(client.jwks) : '',
    keyIds: client.jwks?.keys.map((k) => k.kid) ?? [],
    secretCount: client.secretHashes.length,
    disabled: client.disabled,
    createdAt: client.createdAt,
    updatedAt: client.updatedAt,
  };
}
