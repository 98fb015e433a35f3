import { errors, type Adapter, type AdapterFactory, type AdapterPayload, type ClientMetadata } from 'oidc-provider';
import type { ClientRegistry } from '../app/clients.js';
import type { RegisteredClient } from '../domain/clients.js';
import type { OidcRecordRepository } from '../store/oidc-records.js';

/** Client metadata the provider does not know, carried on its Client objects (snake_case). */
export const TENANT_METADATA = 'jitsuin_tenant_id';
export const SECRET_HASHES_METADATA = 'jitsuin_secret_hashes';

/**
 * A registered client as oidc-provider's Client metadata. Clients use the client credentials
 * grant only. A secret client's client_secret is its newest secret's hash: the provider never
 * sees a secret, and the secret check compares hashes (see provider.ts).
 */
export function clientMetadata(client: RegisteredClient): ClientMetadata {
  return {
    client_id: client.clientId,
    client_name: client.name,
    token_endpoint_auth_method: client.authMethod,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    scope: client.roles.join(' '),
    ...(client.jwks ? { jwks: client.jwks as ClientMetadata['jwks'] } : {}),
    ...(client.authMethod !== 'private_key_jwt' ? { client_secret: client.secretHashes[0] ?? '', [SECRET_HASHES_METADATA]: client.secretHashes } : {}),
    ...(client.tenantId ? { [TENANT_METADATA]: client.tenantId } : {}),
  };
}

const unsupported = (what: string) => () => Promise.reject(new Error(`${what} is not supported by the auth service's store`));

/** Clients come from the registry (read-only: clients are managed through the admin API). */
function clientAdapter(registry: ClientRegistry): Adapter {
  return {
    find: async (id) => {
      const client = await registry.activeClient(id);
      return client ? (clientMetadata(client) as AdapterPayload) : undefined;
    },
    upsert: unsupported('registering clients over OAuth'),
    destroy: unsupported('deleting clients over OAuth'),
    consume: unsupported('consuming a client'),
    findByUid: async () => undefined,
    findByUserCode: async () => undefined,
    revokeByGrantId: async () => undefined,
  };
}

function recordAdapter(name: string, records: OidcRecordRepository): Adapter {
  return {
    upsert: (id, payload, expiresIn) => records.upsert(name, id, payload as Record<string, unknown>, expiresIn),
    find: async (id) => (await records.find(name, id)) as AdapterPayload | undefined,
    findByUid: async (uid) => (await records.findBy(name, 'uid', uid)) as AdapterPayload | undefined,
    findByUserCode: async (code) => (await records.findBy(name, 'userCode', code)) as AdapterPayload | undefined,
    consume: (id) => records.consume(name, id),
    destroy: (id) => records.destroy(name, id),
    revokeByGrantId: (grantId) => records.revokeByGrantId(grantId),
  };
}

/**
 * Used client-assertion ids. oidc-provider looks an id up and then saves it; two replicas given
 * the same assertion at once could both find nothing. The save is an insert that only one of
 * them can win, and the loser's request fails as a replay, as if its look-up had found it.
 */
function replayAdapter(records: OidcRecordRepository): Adapter {
  const base = recordAdapter('ReplayDetection', records);
  return {
    ...base,
    upsert: async (id, payload, expiresIn) => {
      const unique = await records.insertUnique('ReplayDetection', id, payload as Record<string, unknown>, expiresIn ?? 0);
      if (!unique) throw new errors.InvalidClientAuth('client assertion tokens must only be used once');
    },
  };
}

/** oidc-provider's adapter on the service's store. */
export function storeAdapter(records: OidcRecordRepository, registry: ClientRegistry): AdapterFactory {
  return (name) => {
    if (name === 'Client') return clientAdapter(registry);
    if (name === 'ReplayDetection') return replayAdapter(records);
    return recordAdapter(name, records);
  };
}
