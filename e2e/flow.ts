// What the end-to-end tests and bench/lifecycle.ts do to and see of a running platform (no
// vitest here): watch every event on the topics, create and send mortgage contracts, sign
// with the test PKI's cards as each step opens, read what its webhooks say (the SMTP server
// and the webhook receiver themselves are @jitsuin/testkit/receivers).
import { randomUUID } from 'node:crypto';
import type { Consumer } from 'kafkajs';
import { contractRequest, FLOWS, signWithCard } from '@jitsuin/cli/demo';
import { createKafka, decodeEvent, ensureTopics, Topics, type EventEnvelope, type KafkaConnection } from '@jitsuin/events';
import { ContractState } from '@jitsuin/proto/document/v1/document';
import type { Delivery, TenantConfig } from '@jitsuin/proto/notification/v1/notification';
import { callClientStream, callUnary } from '@jitsuin/rpc';
import { makePdf } from '@jitsuin/testkit';
import { deadLetterOf, startGroupsAtEnd, type DeadLetter } from '@jitsuin/testkit/kafka';
import type { ReceivedRequest } from '@jitsuin/testkit/receivers';
import type { Platform } from './platform.js';

export const MORTGAGE = FLOWS.mortgage!;
/** The sample people whose cards sign a mortgage (the test PKI needs no others). */
export const MORTGAGE_PEOPLE = MORTGAGE.parties.flatMap((p) => (p.person ? [p.person] : []));

// ---------------------------------------------------------------- events, as Kafka has them

export interface SeenEvent {
  event: EventEnvelope;
  topic: string;
  /** Kafka's append time of the record (the broker's clock, the same machine). */
  appendedAt: number;
  /** When this process received it. */
  receivedAt: number;
}

/**
 * Every event of one platform's tenants (tenant ids that start with its id) on the event
 * topics, and every dead letter, read by a consumer group of its own from the moment it starts.
 */
export class EventTap {
  readonly events: SeenEvent[] = [];
  readonly deadLetters: DeadLetter[] = [];
  private readonly listeners = new Set<(e: SeenEvent) => void>();

  private constructor(
    private readonly consumer: Consumer,
    private readonly tenantPrefix: string,
  ) {}

  static async start(connection: KafkaConnection, tenantPrefix: string): Promise<EventTap> {
    const topics = [Topics.contract, Topics.signature, Topics.verification, Topics.deadLetter];
    const groupId = `e2e-tap-${randomUUID()}`;
    await startGroupsAtEnd(connection, [{ groupId, topics }]);
    const kafka = createKafka({ ...connection, clientId: 'e2e-tap', logLevel: 'NOTHING' });
    await ensureTopics(kafka);
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    const tap = new EventTap(consumer, tenantPrefix);
    await consumer.connect();
    await consumer.subscribe({ topics });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        if (topic === Topics.deadLetter) {
          tap.deadLetters.push(deadLetterOf(message));
          return;
        }
        let event: EventEnvelope;
        try {
          event = decodeEvent(message.value);
        } catch {
          return;
        }
        if (!event.tenantId.startsWith(tap.tenantPrefix)) return;
        const seen = { event, topic, appendedAt: Number(message.timestamp), receivedAt: Date.now() };
        tap.events.push(seen);
        for (const listener of tap.listeners) listener(seen);
      },
    });
    await joined;
    return tap;
  }

  on(listener: (e: SeenEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  of(contractId: string): SeenEvent[] {
    return this.events.filter((e) => e.event.subject === contractId);
  }

  /** Distinct event ids of one type for a contract (a redelivered event counts once). */
  distinct(contractId: string, type: string): EventEnvelope[] {
    const byId = new Map<string, EventEnvelope>();
    for (const { event } of this.of(contractId)) if (event.type === type) byId.set(event.id, event);
    return [...byId.values()];
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

// ---------------------------------------------------------------- mortgages

/** Runs at most `limit` functions at once (the cards of many people, one machine). */
export function limiter(limit: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (fn) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await fn();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

export interface MortgageContract {
  tenantId: string;
  contractId: string;
  documentIds: string[];
}

/** Uploads the three documents (each `bytes` long), creates the mortgage contract; sends it unless told not to. */
export async function createMortgage(
  p: Platform,
  tenantId: string,
  o: { bytes?: number; deadlineInMs?: number; send?: boolean } = {},
): Promise<MortgageContract> {
  const documentIds: string[] = [];
  for (const doc of MORTGAGE.documents) {
    const pdf = makePdf(o.bytes ?? 64 * 1024, doc.text);
    const chunks = [];
    for (let at = 0; at < pdf.length; at += 1024 * 1024) chunks.push({ part: { $case: 'chunk' as const, value: pdf.subarray(at, at + 1024 * 1024) } });
    const { document } = await callClientStream(p.documents.uploadDocument.bind(p.documents), [
      { part: { $case: 'metadata', value: { tenantId, filename: `${doc.text}.pdf` } } },
      ...chunks,
    ]);
    documentIds.push(document!.id);
  }
  // The deadline is counted from here, after the uploads (a loaded machine may make them slow).
  const deadline = new Date(Date.now() + (o.deadlineInMs ?? 7 * 86_400_000));
  const { contract } = await callUnary(p.documents.createContract.bind(p.documents), contractRequest(MORTGAGE, tenantId, documentIds, deadline));
  const contractId = contract!.id;
  if (o.send !== false) await callUnary(p.documents.sendContract.bind(p.documents), { tenantId, contractId });
  return { tenantId, contractId, documentIds };
}

/** One card signature: the person of `partyId` signs one document of the contract. */
export function signAs(p: Platform, c: MortgageContract, partyId: string, documentIndex: number): Promise<void> {
  const party = MORTGAGE.parties.find((x) => x.id === partyId)!;
  return signWithCard(p, p.pki, { tenantId: c.tenantId, contractId: c.contractId, documentId: c.documentIds[documentIndex]!, partyId, person: party.person! });
}

const TRANSIENT = new Set([1, 4, 10, 14]); // CANCELLED, DEADLINE_EXCEEDED, ABORTED, UNAVAILABLE

/**
 * A card signature as a phone app makes it when a service may be restarting: a transient
 * failure (or a head revision that moved meanwhile) is tried again from the start, for up to
 * two minutes; "already signed" means an earlier try went through.
 */
export async function signPatiently(p: Platform, c: MortgageContract, partyId: string, documentIndex: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      return await signAs(p, c, partyId, documentIndex);
    } catch (err) {
      const { code, details } = err as { code?: number; details?: string };
      if (code === 9 && /already/i.test(details ?? '')) return;
      const again = (code !== undefined && TRANSIENT.has(code)) || (code === 9 && /moved|changed/i.test(details ?? ''));
      if (!again || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * The people of the platform's mortgage contracts: when a step opens (contract.step_opened on
 * Kafka), each of its people signs every document they sign, one card signature after another,
 * at most `concurrency` signatures at once over all contracts. A step opened twice (a
 * redelivered event) is signed once.
 */
export class Signers {
  private readonly done = new Set<string>();
  private readonly run: <T>(fn: () => Promise<T>) => Promise<T>;
  private readonly contracts = new Map<string, MortgageContract>();
  private readonly off: () => void;
  /** When each contract's last card signature was completed. */
  readonly lastSignatureAt = new Map<string, number>();
  readonly errors: { contractId: string; error: unknown }[] = [];
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly p: Platform,
    tap: EventTap,
    concurrency: number,
  ) {
    this.run = limiter(concurrency);
    this.off = tap.on(({ event }) => {
      if (event.payload?.$case !== 'contractStepOpened') return;
      const c = this.contracts.get(event.subject);
      if (!c) return;
      const step = event.payload.value.stepIndex;
      const key = `${c.contractId}/${step}`;
      if (this.done.has(key)) return;
      this.done.add(key);
      const work = this.signStep(c, step).catch((error: unknown) => void this.errors.push({ contractId: c.contractId, error }));
      this.pending.add(work);
      void work.finally(() => this.pending.delete(work));
    });
  }

  /** Signs this contract's steps as they open. */
  add(c: MortgageContract): void {
    this.contracts.set(c.contractId, c);
  }

  private async signStep(c: MortgageContract, step: number): Promise<void> {
    for (const partyId of MORTGAGE.steps[step] ?? []) {
      if (!MORTGAGE.parties.find((x) => x.id === partyId)?.person) continue;
      for (const [i, doc] of MORTGAGE.documents.entries()) {
        if (!doc.signers.includes(partyId)) continue;
        await this.run(() => signPatiently(this.p, c, partyId, i));
        this.lastSignatureAt.set(c.contractId, Date.now());
      }
    }
  }

  /** Resolves once no signature is in progress. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  stop(): void {
    this.off();
  }
}

export const STATE_NAMES = Object.fromEntries(
  Object.entries(ContractState)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => [v, k.replace('CONTRACT_STATE_', '')]),
) as Record<number, string>;

export async function contractState(p: Platform, c: { tenantId: string; contractId: string }): Promise<string> {
  const { contract } = await callUnary(p.documents.getContract.bind(p.documents), { tenantId: c.tenantId, contractId: c.contractId });
  return STATE_NAMES[contract!.state]!;
}

// ---------------------------------------------------------------- notification settings

export async function setTenantConfig(p: Platform, config: Partial<TenantConfig> & { tenantId: string }): Promise<void> {
  await callUnary(p.notification.setTenantConfig.bind(p.notification), {
    config: {
      language: 0,
      email: { enabled: false, from: '', operatorAddresses: [], notifyParties: false },
      webhooks: [],
      line: { enabled: false, channelAccessToken: '', to: [], eventTypes: [] },
      portalUrl: '',
      ...config,
    },
  });
}

/** The tenant's whole delivery log (every page). */
export async function listDeliveries(p: Platform, tenantId: string): Promise<Delivery[]> {
  const all: Delivery[] = [];
  let pageToken = '';
  do {
    const page = await callUnary(p.notification.listDeliveries.bind(p.notification), { tenantId, eventId: '', status: 0, pageSize: 200, pageToken });
    all.push(...page.deliveries);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return all;
}

// ---------------------------------------------------------------- webhooks

export const webhookKey = () => ({ keyId: 'e2e', secret: `secret-${randomUUID()}-${randomUUID()}` });

/** A request that reached a webhook receiver, with the ids the platform's webhook carries. */
export interface ReceivedWebhook extends ReceivedRequest {
  /** The jitsuin-delivery-id header: one delivery keeps it over its tries and repeats. */
  deliveryId: string;
  eventId: string;
  eventType: string;
  contractId: string;
}

/** Reads a receiver's request as a webhook of the platform; what it does not carry is ''. */
export function webhookOf(r: ReceivedRequest): ReceivedWebhook {
  let body: { eventId?: string; type?: string; contractId?: string } = {};
  try {
    body = JSON.parse(r.body.toString()) as typeof body;
  } catch {
    // Not JSON: only the delivery id, from the header.
  }
  return {
    ...r,
    deliveryId: String(r.headers['jitsuin-delivery-id'] ?? ''),
    eventId: body.eventId ?? '',
    eventType: body.type ?? '',
    contractId: body.contractId ?? '',
  };
}
