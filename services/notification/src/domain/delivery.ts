import { createHash, randomUUID } from 'node:crypto';
import type { Contact, ContractContacts, Understood } from './notice.js';
import { TERMINAL } from './notice.js';
import { renderChat, renderEmail, type Audience, type Message, type MessageContext } from './templates.js';
import { LINE_DEFAULT_EVENT_TYPES, WEBHOOK_EVENT_TYPES, type TenantConfig } from './tenant-config.js';

/** One message to one target for one event, and how its sending went. */

export type Channel = 'EMAIL' | 'WEBHOOK' | 'LINE';
export type DeliveryStatus = 'PENDING' | 'RETRYING' | 'DELIVERED' | 'DEAD_LETTERED';

/** What is sent, fixed when the delivery is planned: a retry or a replay sends the same. */
export type Content =
  /** retryKey: the Message-ID's left part; the same for every retry, new for a replay. */
  | { channel: 'EMAIL'; subject: string; text: string; from?: string; retryKey?: string }
  | { channel: 'WEBHOOK'; body: string }
  | { channel: 'LINE'; text: string; retryKey: string };

export interface DeliveryAttempt {
  at: Date;
  ok: boolean;
  error?: string;
  durationMs: number;
}

export interface Delivery {
  id: string;
  tenantId: string;
  eventId: string;
  eventType: string;
  contractId: string;
  channel: Channel;
  /** The address, URL or LINE id sent to. */
  target: string;
  partyId?: string;
  content: Content;
  status: DeliveryStatus;
  attempts: number;
  /** Attempts allowed before the dead letter; a replay grants a new round. */
  attemptLimit: number;
  lastError?: string;
  nextAttemptAt?: Date;
  attemptLog: DeliveryAttempt[];
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The id of a delivery: the same event, channel and target always give the same id, so an
 * event that Kafka delivers twice plans the same deliveries and the second insert is refused.
 */
export function deliveryId(eventId: string, channel: Channel, target: string): string {
  return createHash('sha256').update(`${eventId}\n${channel}\n${target}`).digest('hex').slice(0, 32);
}

export interface RetryPolicy {
  maxAttempts: number;
  initialMs: number;
  maxMs: number;
}

/** What became of an attempt: delivered, tried again at `nextAttemptAt`, or dead-lettered. */
export function afterFailure(
  delivery: Pick<Delivery, 'attempts' | 'attemptLimit'>,
  policy: RetryPolicy,
  now: Date,
  delay: (attempt: number) => number,
): { status: 'RETRYING'; nextAttemptAt: Date } | { status: 'DEAD_LETTERED' } {
  const attempts = delivery.attempts + 1;
  if (attempts >= delivery.attemptLimit) return { status: 'DEAD_LETTERED' };
  return { status: 'RETRYING', nextAttemptAt: new Date(now.getTime() + delay(attempts)) };
}

function linkOf(config: TenantConfig, contractId: string): string | undefined {
  return config.portalUrl?.replaceAll('{contractId}', encodeURIComponent(contractId));
}

/** The webhook body: one JSON object per event, the same for every retry and replay. */
export function webhookBody(understood: Understood, deliveryIdValue: string): string {
  return JSON.stringify({
    id: deliveryIdValue,
    eventId: understood.eventId,
    type: understood.type,
    time: understood.time.toISOString(),
    tenantId: understood.tenantId,
    contractId: understood.contractId,
    data: understood.data,
  });
}

/**
 * Who is told of an event, and what they read (pure: the caller stores the result).
 * - e-mail: a step's parties get their invitation (and reminders before the deadline); every party with an address hears how the
 *   contract ended; a party whose signature failed hears why; the tenant's operators hear of
 *   ends, failures and certificate status changes;
 * - webhooks: every event type the webhook asked for;
 * - LINE: the tenant's recipients, for the types chosen (by default what operators hear of).
 */
export function plan(
  understood: Understood,
  config: TenantConfig,
  contacts: ContractContacts | undefined,
  now: Date,
  attemptLimit: number,
): Delivery[] {
  const deliveries: Delivery[] = [];
  const add = (channel: Channel, target: string, content: Content, partyId?: string) => {
    const id = deliveryId(understood.eventId, channel, target);
    if (deliveries.some((d) => d.id === id)) return;
    deliveries.push({
      id,
      tenantId: understood.tenantId,
      eventId: understood.eventId,
      eventType: understood.type,
      contractId: understood.contractId,
      channel,
      target,
      ...(partyId ? { partyId } : {}),
      content,
      status: 'PENDING',
      attempts: 0,
      attemptLimit,
      nextAttemptAt: now,
      attemptLog: [],
      createdAt: now,
      updatedAt: now,
    });
  };

  const { notice } = understood;
  const parties = contacts?.parties ?? [];
  const ctx: MessageContext = {
    contractId: understood.contractId,
    title: contacts?.title,
    deadline: contacts?.deadline,
    link: linkOf(config, understood.contractId),
    roles: new Map(parties.map((p) => [p.partyId, p.role])),
  };

  if (notice && config.email.enabled) {
    const email = (to: string, message: Message, partyId?: string) =>
      add('EMAIL', to, { channel: 'EMAIL', ...message, ...(config.email.from ? { from: config.email.from } : {}), retryKey: randomUUID() }, partyId);
    const toParty = (party: Contact) => {
      if (!party.email) return;
      const audience: Audience = { kind: 'party', party };
      email(party.email, renderEmail(party.language ?? config.language, notice, ctx, audience), party.partyId);
    };
    if (config.email.notifyParties) {
      if (notice.kind === 'invitation' || notice.kind === 'reminder') {
        for (const party of parties.filter((p) => notice.partyIds.includes(p.partyId))) toParty(party);
      } else if (TERMINAL.includes(notice.kind)) {
        for (const party of parties) toParty(party);
      } else if (notice.kind === 'signature_failed') {
        const party = parties.find((p) => p.partyId === notice.partyId);
        if (party) toParty(party);
      }
    }
    if (notice.kind !== 'invitation' && notice.kind !== 'reminder') {
      const message = renderEmail(config.language, notice, ctx, { kind: 'operator' });
      for (const address of config.email.operatorAddresses) email(address, message);
    }
  }

  for (const webhook of config.webhooks) {
    const types: readonly string[] = webhook.eventTypes.length > 0 ? webhook.eventTypes : WEBHOOK_EVENT_TYPES;
    if (!types.includes(understood.type)) continue;
    const id = deliveryId(understood.eventId, 'WEBHOOK', webhook.url);
    add('WEBHOOK', webhook.url, { channel: 'WEBHOOK', body: webhookBody(understood, id) });
  }

  if (notice && config.line.enabled) {
    const types = config.line.eventTypes.length > 0 ? config.line.eventTypes : LINE_DEFAULT_EVENT_TYPES;
    if (types.includes(understood.type)) {
      const { text } = renderChat(config.language, notice, ctx);
      for (const to of config.line.to) add('LINE', to, { channel: 'LINE', text, retryKey: randomUUID() });
    }
  }
  return deliveries;
}
