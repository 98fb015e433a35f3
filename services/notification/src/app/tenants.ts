import { failedPrecondition, notFound } from '@jitsuin/errors';
import { checkTenantConfig, checkTenantId, withoutSecrets, type TenantConfig } from '../domain/tenant-config.js';
import type { TenantConfigRepository } from '../store/tenant-configs.js';

/**
 * Tenants' settings. The consumer reads them for every event, so reads are cached for a short
 * while (other replicas see a change within `cacheMs`; this one at once).
 */
export class Tenants {
  private readonly cache = new Map<string, { config: TenantConfig | undefined; until: number }>();

  constructor(
    private readonly repository: TenantConfigRepository,
    private readonly options: { cacheMs: number; emailAvailable: boolean },
    private readonly now: () => Date = () => new Date(),
  ) {}

  async set(input: Omit<TenantConfig, 'updatedAt'>): Promise<TenantConfig> {
    checkTenantId(input.tenantId);
    if (input.email.enabled && !this.options.emailAvailable) {
      throw failedPrecondition('e-mail cannot be enabled: the notification service has no SMTP server (SMTP_URL)');
    }
    const stored = await this.repository.find(input.tenantId);
    const config = checkTenantConfig(input, stored, this.now());
    await this.repository.save(config);
    this.cache.delete(config.tenantId);
    return withoutSecrets(config);
  }

  async get(tenantId: string): Promise<TenantConfig> {
    checkTenantId(tenantId);
    const config = await this.repository.find(tenantId);
    if (!config) throw unknownTenant(tenantId);
    return withoutSecrets(config);
  }

  /** The settings with their secrets, for sending; undefined for a tenant without any. */
  async lookup(tenantId: string): Promise<TenantConfig | undefined> {
    const now = Date.now();
    const hit = this.cache.get(tenantId);
    if (hit && hit.until > now) return hit.config;
    const config = await this.repository.find(tenantId);
    if (this.options.cacheMs > 0) {
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(tenantId, { config, until: now + this.options.cacheMs });
    }
    return config;
  }
}

export function unknownTenant(tenantId: string) {
  return notFound(`tenant ${tenantId} has no notification settings: its events notify nobody until SetTenantConfig gives it some`);
}
