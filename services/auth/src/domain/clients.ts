import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { PLATFORM_SERVICES, SERVICE_CLIENT_PREFIX, TENANT_ROLES, type Role } from '@jitsuin/auth';
import { invalidArgument } from '@jitsuin/errors';
import { parseClientJwks, type JwkSet } from './jwks.js';

/**
 * An OAuth client of the platform: a tenant's system (registered through the admin API) or one
 * of the platform's own (services and the operator, from the clients file). What a client's
 * tokens say comes from here: its tenant and its roles.
 */
export const AUTH_METHODS = ['private_key_jwt', 'client_secret_basic', 'client_secret_post'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

export interface RegisteredClient {
  clientId: string;
  /** Absent for the platform's own clients. */
  tenantId?: string;
  name: string;
  roles: Role[];
  authMethod: AuthMethod;
  /** The public keys its assertions are checked with (private_key_jwt). */
  jwks?: JwkSet;
  /** SHA-256 of each valid secret, newest first (secret methods); the secret itself is never kept. */
  secretHashes: string[];
  /** A disabled client gets no token. */
  disabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export const isSecretMethod = (method: AuthMethod) => method !== 'private_key_jwt';

/** Secrets kept at once: the new one and the one being retired. */
export const MAX_SECRETS = 2;

/**
 * A new client secret: 256 random bits. Because it is random and long, a plain SHA-256 of it
 * is safe to store (nothing to guess from a dictionary) and cheap to check on every request.
 */
export function newSecret(): { secret: string; hash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { secret, hash: hashSecret(secret) };
}

export function hashSecret(secret: string): string {
  return `sha256:${createHash('sha256').update(secret, 'utf8').digest('base64url')}`;
}

/** Whether `presented` is one of the secrets whose hashes are kept (in constant time per hash). */
export function secretMatches(hashes: readonly string[], presented: string): boolean {
  const candidate = Buffer.from(hashSecret(presented));
  let match = false;
  for (const hash of hashes) {
    const stored = Buffer.from(hash);
    if (stored.length === candidate.length && timingSafeEqual(stored, candidate)) match = true;
  }
  return match;
}

export function newClientId(): string {
  return `c-${randomBytes(16).toString('base64url')}`;
}

/** A tenant client's roles: one or more of admin, sender, auditor, each once. */
export function tenantClientRoles(roles: readonly string[]): Role[] {
  if (roles.length === 0) throw invalidArgument(`a client needs at least one role (${TENANT_ROLES.join(', ')})`);
  const unique = [...new Set(roles)];
  for (const role of unique) {
    if (!(TENANT_ROLES as readonly string[]).includes(role)) {
      throw invalidArgument(`role ${JSON.stringify(role)} is not one a tenant's client may hold (${TENANT_ROLES.join(', ')})`);
    }
  }
  return unique as Role[];
}

export interface NewClientRequest {
  tenantId: string;
  name: string;
  roles: readonly string[];
  authMethod: AuthMethod | undefined;
  /** JSON text of the public JWK set, for private_key_jwt. */
  jwks?: JwkSet;
}

/** A tenant's new client, and its secret for the secret methods (to be shown once). */
export function newTenantClient(request: NewClientRequest, now: Date): { client: RegisteredClient; secret?: string } {
  const name = request.name.trim();
  if (name === '' || name.length > 200) throw invalidArgument('a client needs a name (up to 200 characters)');
  const roles = tenantClientRoles(request.roles);
  const method = request.authMethod;
  if (!method) throw invalidArgument(`name the client's authentication method (${AUTH_METHODS.join(', ')})`);
  const base = { clientId: newClientId(), tenantId: request.tenantId, name, roles, authMethod: method, disabled: false, createdAt: now, updatedAt: now };
  if (!isSecretMethod(method)) {
    if (!request.jwks) throw invalidArgument('a private_key_jwt client needs its public JWK set (jwks_json)');
    return { client: { ...base, jwks: request.jwks, secretHashes: [] } };
  }
  if (request.jwks) throw invalidArgument(`a ${method} client authenticates with a secret: send no JWK set`);
  const { secret, hash } = newSecret();
  return { client: { ...base, secretHashes: [hash] }, secret };
}

export interface KeyRotation {
  jwks?: JwkSet;
  newSecret: boolean;
  retireOldSecrets: boolean;
}

/** The client after a key rotation, and the new secret if one was issued. */
export function rotateKeys(client: RegisteredClient, rotation: KeyRotation, now: Date): { client: RegisteredClient; secret?: string } {
  if (!rotation.jwks && !rotation.newSecret && !rotation.retireOldSecrets) {
    throw invalidArgument('nothing to rotate: send a JWK set, new_secret or retire_old_secrets');
  }
  if (isSecretMethod(client.authMethod)) {
    if (rotation.jwks) throw invalidArgument(`client ${client.clientId} authenticates with a secret (${client.authMethod}): it has no JWK set`);
    let hashes = client.secretHashes;
    let secret: string | undefined;
    if (rotation.newSecret) {
      const fresh = newSecret();
      secret = fresh.secret;
      hashes = [fresh.hash, ...hashes].slice(0, MAX_SECRETS);
    }
    if (rotation.retireOldSecrets) hashes = hashes.slice(0, 1);
    return { client: { ...client, secretHashes: hashes, updatedAt: now }, ...(secret ? { secret } : {}) };
  }
  if (rotation.newSecret || rotation.retireOldSecrets) {
    throw invalidArgument(`client ${client.clientId} authenticates with private_key_jwt: rotate its JWK set, it has no secret`);
  }
  return { client: { ...client, jwks: rotation.jwks, updatedAt: now } };
}

/**
 * The platform's own clients from the clients file: {"clients": [{"client_id", "roles",
 * "jwks"}]}. A service's client is SERVICE_CLIENT_PREFIX + one of PLATFORM_SERVICES with the
 * role service; the operator's holds the role operator. They authenticate with private_key_jwt.
 */
export function parsePlatformClients(json: unknown, loadedAt: Date): RegisteredClient[] {
  const list = (json as { clients?: unknown } | null)?.clients;
  if (typeof json !== 'object' || json === null || !Array.isArray(list)) throw invalidArgument('the clients file must be {"clients": [...]}');
  const seen = new Set<string>();
  return list.map((entry: Record<string, unknown>, i) => {
    const clientId = entry?.client_id;
    if (typeof clientId !== 'string' || clientId === '') throw invalidArgument(`the clients file's client ${i + 1} has no client_id`);
    if (seen.has(clientId)) throw invalidArgument(`the clients file names ${clientId} twice`);
    seen.add(clientId);
    const roles = entry.roles;
    if (!Array.isArray(roles) || roles.length !== 1 || (roles[0] !== 'service' && roles[0] !== 'operator')) {
      throw invalidArgument(`${clientId}: a platform client holds one role, service or operator`);
    }
    if (roles[0] === 'service') {
      const name = clientId.startsWith(SERVICE_CLIENT_PREFIX) ? clientId.slice(SERVICE_CLIENT_PREFIX.length) : '';
      if (!(PLATFORM_SERVICES as readonly string[]).includes(name)) {
        throw invalidArgument(`${clientId}: a service's client id is ${SERVICE_CLIENT_PREFIX}<${PLATFORM_SERVICES.join('|')}>`);
      }
    }
    let jwks: JwkSet;
    try {
      jwks = parseClientJwks(entry.jwks);
    } catch (err) {
      throw invalidArgument(`${clientId}: ${(err as Error).message}`);
    }
    return {
      clientId,
      name: clientId,
      roles: [roles[0]],
      authMethod: 'private_key_jwt',
      jwks,
      secretHashes: [],
      disabled: false,
      createdAt: loadedAt,
      updatedAt: loadedAt,
    } satisfies RegisteredClient;
  });
}
