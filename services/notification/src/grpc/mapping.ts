import { invalidArgument } from '@jitsuin/errors';
import * as pb from '@jitsuin/proto/notification/v1/notification';
import type { Channel, Delivery, DeliveryStatus } from '../domain/delivery.js';
import { maskEmail, type Language, type TenantConfig } from '../domain/tenant-config.js';

/** Protobuf messages to domain values and back; enums are checked on the way in. */

const channels: Record<Channel, pb.Channel> = {
  EMAIL: pb.Channel.CHANNEL_EMAIL,
  WEBHOOK: pb.Channel.CHANNEL_WEBHOOK,
  LINE: pb.Channel.CHANNEL_LINE,
};

const statuses: Record<DeliveryStatus, pb.DeliveryStatus> = {
  PENDING: pb.DeliveryStatus.DELIVERY_STATUS_PENDING,
  RETRYING: pb.DeliveryStatus.DELIVERY_STATUS_RETRYING,
  DELIVERED: pb.DeliveryStatus.DELIVERY_STATUS_DELIVERED,
  DEAD_LETTERED: pb.DeliveryStatus.DELIVERY_STATUS_DEAD_LETTERED,
};

export function statusFromProto(value: pb.DeliveryStatus): DeliveryStatus | undefined {
  if (value === pb.DeliveryStatus.DELIVERY_STATUS_UNSPECIFIED) return undefined;
  const found = (Object.entries(statuses) as [DeliveryStatus, pb.DeliveryStatus][]).find(([, v]) => v === value);
  if (!found) throw invalidArgument(`delivery status ${value} is unknown`);
  return found[0];
}

function languageFromProto(value: pb.Language): Language {
  switch (value) {
    case pb.Language.LANGUAGE_UNSPECIFIED:
    case pb.Language.LANGUAGE_JA:
      return 'ja';
    case pb.Language.LANGUAGE_EN:
      return 'en';
    default:
      throw invalidArgument(`language ${value} is unknown`);
  }
}

export function configFromProto(config: pb.TenantConfig | undefined): Omit<TenantConfig, 'updatedAt'> {
  if (!config) throw invalidArgument('the tenant settings are required');
  return {
    tenantId: config.tenantId,
    language: languageFromProto(config.language),
    email: {
      enabled: config.email?.enabled ?? false,
      from: config.email?.from || undefined,
      operatorAddresses: config.email?.operatorAddresses ?? [],
      notifyParties: config.email?.notifyParties ?? false,
    },
    webhooks: config.webhooks.map((w) => ({ url: w.url, keys: w.keys.map((k) => ({ keyId: k.keyId, secret: k.secret })), eventTypes: w.eventTypes })),
    line: {
      enabled: config.line?.enabled ?? false,
      channelAccessToken: config.line?.channelAccessToken ?? '',
      to: config.line?.to ?? [],
      eventTypes: config.line?.eventTypes ?? [],
    },
    portalUrl: config.portalUrl || undefined,
  };
}

export function configToProto(config: TenantConfig): pb.TenantConfig {
  return {
    tenantId: config.tenantId,
    language: config.language === 'en' ? pb.Language.LANGUAGE_EN : pb.Language.LANGUAGE_JA,
    email: {
      enabled: config.email.enabled,
      from: config.email.from ?? '',
      operatorAddresses: config.email.operatorAddresses,
      notifyParties: config.email.notifyParties,
    },
    webhooks: config.webhooks.map((w) => ({ url: w.url, keys: w.keys.map((k) => ({ keyId: k.keyId, secret: k.secret })), eventTypes: w.eventTypes })),
    line: { enabled: config.line.enabled, channelAccessToken: config.line.channelAccessToken, to: config.line.to, eventTypes: config.line.eventTypes },
    portalUrl: config.portalUrl ?? '',
    updatedAt: config.updatedAt,
  };
}

export function deliveryToProto(delivery: Delivery): pb.Delivery {
  return {
    id: delivery.id,
    tenantId: delivery.tenantId,
    eventId: delivery.eventId,
    channel: channels[delivery.channel],
    target: delivery.channel === 'EMAIL' ? maskEmail(delivery.target) : delivery.target,
    status: statuses[delivery.status],
    attempts: delivery.attempts,
    lastError: delivery.lastError ?? '',
    createdAt: delivery.createdAt,
    updatedAt: delivery.updatedAt,
    eventType: delivery.eventType,
    contractId: delivery.contractId,
    partyId: delivery.partyId ?? '',
    nextAttemptAt: delivery.status === 'PENDING' || delivery.status === 'RETRYING' ? delivery.nextAttemptAt : undefined,
    attemptLog: delivery.attemptLog.map((a) => ({ attemptedAt: a.at, succeeded: a.ok, error: a.error ?? '', durationMs: a.durationMs })),
  };
}
