import type { Caller } from '@jitsuin/auth';
import { notFound } from '@jitsuin/errors';
import { managedTenant } from '../domain/admin.js';
import { newTenantClient, rotateKeys, type AuthMethod, type KeyRotation, type RegisteredClient } from '../domain/clients.js';
import type { JwkSet } from '../domain/jwks.js';
import type { ClientRepository } from '../store/clients.js';

/**
 * The client registry: the platform's own clients (from the clients file, held in memory) and
 * tenants' clients (in the store). The token endpoint asks it who a client is; the admin API
 * changes tenants' clients through it, each call for the tenant its caller may manage.
 */
export class ClientRegistry {
  private readonly platform: ReadonlyMap<string, RegisteredClient>;

  constructor(
    private readonly repository: ClientRepository,
    platformClients: readonly RegisteredClient[],
    private readonly now: () => Date = () => new Date(),
  ) {
    this.platform = new Map(platformClients.map((c) => [c.clientId, c]));
  }

  /** The client that may get a token now: undefined when unknown or disabled. */
  async activeClient(clientId: string): Promise<RegisteredClient | undefined> {
    const client = this.platform.get(clientId) ?? (await this.repository.get(clientId));
    return client && !client.disabled ? client : undefined;
  }

  async create(
    caller: Caller,
    request: { tenantId: string; name: string; roles: readonly string[]; authMethod: AuthMethod | undefined; jwks?: JwkSet },
  ): Promise<{ client: RegisteredClient; secret?: string }> {
    const tenantId = managedTenant(caller, request.tenantId);
    const created = newTenantClient({ ...request, tenantId }, this.now());
    await this.repository.insert(created.client);
    return created;
  }

  async list(caller: Caller, requestedTenantId: string): Promise<RegisteredClient[]> {
    return this.repository.listByTenant(managedTenant(caller, requestedTenantId));
  }

  async rotateKeys(caller: Caller, requestedTenantId: string, clientId: string, rotation: KeyRotation): Promise<{ client: RegisteredClient; secret?: string }> {
    const client = await this.tenantClient(caller, requestedTenantId, clientId);
    const rotated = rotateKeys(client, rotation, this.now());
    await this.repository.replace(client, rotated.client);
    return rotated;
  }

  async disable(caller: Caller, requestedTenantId: string, clientId: string): Promise<RegisteredClient> {
    const client = await this.tenantClient(caller, requestedTenantId, clientId);
    if (client.disabled) return client;
    const disabled = { ...client, disabled: true, updatedAt: this.now() };
    await this.repository.replace(client, disabled);
    return disabled;
  }

  /** One of the managed tenant's clients; NOT_FOUND for another tenant's, as for none at all. */
  private async tenantClient(caller: Caller, requestedTenantId: string, clientId: string): Promise<RegisteredClient> {
    const tenantId = managedTenant(caller, requestedTenantId);
    const client = clientId ? await this.repository.get(clientId) : undefined;
    if (!client || client.tenantId !== tenantId) throw notFound(`tenant ${tenantId} has no client ${JSON.stringify(clientId)}`);
    return client;
  }
}
