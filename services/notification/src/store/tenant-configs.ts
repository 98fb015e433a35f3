import { Schema, type Connection, type Model } from 'mongoose';
import type { TenantConfig } from '../domain/tenant-config.js';

interface TenantConfigRecord extends Omit<TenantConfig, 'tenantId'> {
  _id: string;
}

const keySchema = new Schema({ keyId: String, secret: String }, { _id: false });

const tenantConfigSchema = new Schema<TenantConfigRecord>(
  {
    _id: String,
    language: String,
    email: { enabled: Boolean, from: String, operatorAddresses: [String], notifyParties: Boolean },
    webhooks: [new Schema({ url: String, keys: [keySchema], eventTypes: [String] }, { _id: false })],
    line: { enabled: Boolean, channelAccessToken: String, to: [String], eventTypes: [String] },
    portalUrl: String,
    updatedAt: Date,
  },
  { versionKey: false, minimize: true },
);

export type TenantConfigModel = Model<TenantConfigRecord>;

export function tenantConfigModel(connection: Connection): TenantConfigModel {
  return connection.model<TenantConfigRecord>('TenantConfig', tenantConfigSchema, 'tenant_configs');
}

function toConfig(record: TenantConfigRecord): TenantConfig {
  const { _id, ...rest } = record;
  return {
    tenantId: _id,
    language: rest.language,
    email: { enabled: !!rest.email?.enabled, from: rest.email?.from || undefined, operatorAddresses: rest.email?.operatorAddresses ?? [], notifyParties: !!rest.email?.notifyParties },
    webhooks: (rest.webhooks ?? []).map((w) => ({ url: w.url, keys: w.keys.map((k) => ({ keyId: k.keyId, secret: k.secret })), eventTypes: w.eventTypes ?? [] })),
    line: { enabled: !!rest.line?.enabled, channelAccessToken: rest.line?.channelAccessToken ?? '', to: rest.line?.to ?? [], eventTypes: rest.line?.eventTypes ?? [] },
    ...(rest.portalUrl ? { portalUrl: rest.portalUrl } : {}),
    updatedAt: rest.updatedAt,
  };
}

/** Each tenant's settings, one document per tenant (its id the tenant id). */
export class TenantConfigRepository {
  constructor(private readonly model: TenantConfigModel) {}

  async find(tenantId: string): Promise<TenantConfig | undefined> {
    const record = await this.model.collection.findOne({ _id: tenantId } as never);
    return record ? toConfig(record as unknown as TenantConfigRecord) : undefined;
  }

  /** Replaces the settings whole (one single-document write). */
  async save(config: TenantConfig): Promise<void> {
    const { tenantId, ...fields } = config;
    await this.model.collection.replaceOne({ _id: tenantId } as never, { ...fields, portalUrl: fields.portalUrl ?? null } as never, { upsert: true });
  }
}
