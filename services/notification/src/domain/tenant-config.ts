import { invalidArgument } from '@jitsuin/errors';

/** A tenant's notification settings: who is told of what, in which language, through which channel. */

export type Language = 'ja' | 'en';

export interface WebhookKey {
  keyId: string;
  secret: string;
}

export interface WebhookSettings {
  url: string;
  /** One or two: requests are signed with each, so a key can be rotated without a gap. */
  keys: WebhookKey[];
  /** Event types sent; empty = every type webhooks carry (WEBHOOK_EVENT_TYPES). */
  eventTypes: string[];
}

export interface EmailSettings {
  enabled: boolean;
  from?: string;
  operatorAddresses: string[];
  notifyParties: boolean;
}

export interface LineSettings {
  enabled: boolean;
  channelAccessToken: string;
  to: string[];
  eventTypes: string[];
}

export interface TenantConfig {
  tenantId: string;
  language: Language;
  email: EmailSettings;
  webhooks: WebhookSettings[];
  line: LineSettings;
  /** With "{contractId}" in it; no link in messages when absent. */
  portalUrl?: string;
  updatedAt: Date;
}

/** Every event type a webhook may receive (the lifecycle, signatures, verification). */
export const WEBHOOK_EVENT_TYPES = [
  'contract.created',
  'contract.sent',
  'contract.step_opened',
  'contract.reminder',
  'contract.declined',
  'contract.voided',
  'contract.expired',
  'contract.signed',
  'contract.completed',
  'signature.applied',
  'signature.failed',
  'verification.completed',
  'certificate.status_changed',
] as const;

/** What LINE recipients (the tenant's own staff) hear of unless they choose. */
export const LINE_DEFAULT_EVENT_TYPES = [
  'contract.declined',
  'contract.voided',
  'contract.expired',
  'contract.completed',
  'signature.failed',
  'verification.completed',
  'certificate.status_changed',
];

export const MAX_WEBHOOKS = 10;
export const MAX_KEYS = 2;
export const MIN_SECRET_LENGTH = 32;
const MAX_RECIPIENTS = 50;

export const TENANT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;
const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;
const LINE_ID = /^[A-Za-z0-9]{1,64}$/;

export function checkTenantId(value: string): string {
  if (!TENANT_ID.test(value)) {
    throw invalidArgument(`tenant id must be 1 to 64 letters, digits, '.', '_' or '-' (got ${JSON.stringify(value.slice(0, 70))})`);
  }
  return value;
}

function checkUrl(what: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidArgument(`${what} must be an http(s) URL (got ${JSON.stringify(raw.slice(0, 100))})`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidArgument(`${what} must be an http(s) URL`);
  if (url.username || url.password) throw invalidArgument(`${what} must not carry a user name or password`);
  return url.toString();
}

function checkEventTypes(what: string, types: string[], allowed: readonly string[]): string[] {
  for (const type of types) {
    if (!allowed.includes(type)) {
      throw invalidArgument(`${what}: "${type.slice(0, 60)}" is not an event type notified of; use one of ${allowed.join(', ')}`);
    }
  }
  return [...new Set(types)];
}

function checkAddresses(what: string, addresses: string[]): string[] {
  if (addresses.length > MAX_RECIPIENTS) throw invalidArgument(`${what}: at most ${MAX_RECIPIENTS} addresses`);
  for (const address of addresses) {
    if (!EMAIL.test(address) || address.length > 254) throw invalidArgument(`${what}: "${maskEmail(address)}" is not an e-mail address`);
  }
  return [...new Set(addresses)];
}

/**
 * Checks settings as sent to SetTenantConfig and fills in the secrets left empty from the
 * stored ones (GetTenantConfig never returns secrets, so a read-modify-write keeps them).
 */
export function checkTenantConfig(input: Omit<TenantConfig, 'updatedAt'>, stored: TenantConfig | undefined, now: Date): TenantConfig {
  checkTenantId(input.tenantId);
  if (input.webhooks.length > MAX_WEBHOOKS) throw invalidArgument(`at most ${MAX_WEBHOOKS} webhooks per tenant`);
  const urls = new Set<string>();
  const webhooks = input.webhooks.map((webhook, i) => {
    const what = `webhook ${i + 1}`;
    const url = checkUrl(`${what} url`, webhook.url);
    if (urls.has(url)) throw invalidArgument(`${what}: ${url} is configured twice`);
    urls.add(url);
    if (webhook.keys.length < 1 || webhook.keys.length > MAX_KEYS) {
      throw invalidArgument(`${what} needs one or two signing keys (two while one replaces the other)`);
    }
    const storedKeys = stored?.webhooks.find((w) => w.url === url)?.keys ?? stored?.webhooks.flatMap((w) => w.keys) ?? [];
    const keyIds = new Set<string>();
    const keys = webhook.keys.map((key) => {
      if (!KEY_ID.test(key.keyId)) throw invalidArgument(`${what}: a key id is 1 to 64 letters, digits, '_' or '-'`);
      if (keyIds.has(key.keyId)) throw invalidArgument(`${what}: key ${key.keyId} is given twice`);
      keyIds.add(key.keyId);
      const secret = key.secret || storedKeys.find((k) => k.keyId === key.keyId)?.secret;
      if (!secret) throw invalidArgument(`${what}: key ${key.keyId} is new and needs its secret`);
      if (secret.length < MIN_SECRET_LENGTH) {
        throw invalidArgument(`${what}: the secret of key ${key.keyId} must be at least ${MIN_SECRET_LENGTH} characters`);
      }
      return { keyId: key.keyId, secret };
    });
    return { url, keys, eventTypes: checkEventTypes(`${what} event types`, webhook.eventTypes, WEBHOOK_EVENT_TYPES) };
  });

  const email: EmailSettings = {
    enabled: input.email.enabled,
    from: input.email.from?.trim() || undefined,
    operatorAddresses: checkAddresses('operator addresses', input.email.operatorAddresses),
    notifyParties: input.email.notifyParties,
  };
  if (email.from && !EMAIL.test(email.from.replace(/^.*<([^>]+)>\s*$/, '$1'))) {
    throw invalidArgument('the sender must be an e-mail address, optionally as "Name <address>"');
  }

  const line: LineSettings = {
    enabled: input.line.enabled,
    channelAccessToken: input.line.channelAccessToken || stored?.line.channelAccessToken || '',
    to: [...new Set(input.line.to)],
    eventTypes: checkEventTypes('LINE event types', input.line.eventTypes, WEBHOOK_EVENT_TYPES),
  };
  for (const id of line.to) if (!LINE_ID.test(id)) throw invalidArgument(`LINE recipient "${id.slice(0, 70)}" is not a LINE user, group or room id`);
  if (line.to.length > MAX_RECIPIENTS) throw invalidArgument(`LINE: at most ${MAX_RECIPIENTS} recipients`);
  if (line.enabled && (!line.channelAccessToken || line.to.length === 0)) {
    throw invalidArgument('LINE needs a channel access token and at least one recipient when enabled');
  }

  let portalUrl: string | undefined;
  if (input.portalUrl?.trim()) {
    portalUrl = input.portalUrl.trim();
    checkUrl('portal url', portalUrl.replaceAll('{contractId}', 'c'));
  }

  return { tenantId: input.tenantId, language: input.language, email, webhooks, line, portalUrl, updatedAt: now };
}

/** The settings as GetTenantConfig shows them: every secret left out. */
export function withoutSecrets(config: TenantConfig): TenantConfig {
  return {
    ...config,
    webhooks: config.webhooks.map((w) => ({ ...w, keys: w.keys.map((k) => ({ keyId: k.keyId, secret: '' })) })),
    line: { ...config.line, channelAccessToken: '' },
  };
}

/** "ya***@example.jp": enough to tell addresses apart in a log, not enough to write to. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return '***';
  const local = address.slice(0, at);
  return `${local.slice(0, Math.min(2, Math.max(0, local.length - 1)))}***${address.slice(at)}`;
}
