// The platform as processes (e2e/platform.ts), driven as its users drive it: webhook
// receivers that fail, and input that must be refused, all through the real flow (document →
// Kafka → signing → verification → document → notification). The unit-level versions of the
// webhook cases are services/notification/test/webhooks.test.ts; here the events come from
// contracts the platform runs.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka, DeadLetterHeaders, ensureTopics, EventHeaders, EventPublisher, newEvent, Topics } from '@jitsuin/events';
import { Channel, DeliveryStatus } from '@jitsuin/proto/notification/v1/notification';
import { PadesLevel } from '@jitsuin/proto/signing/v1/signing';
import { callUnary } from '@jitsuin/rpc';
import { statusOf } from '@jitsuin/testkit';
import { CARD_FILES, CardSimulator } from '@jitsuin/testkit/pki';
import { testInfra } from '@jitsuin/testkit/vitest';
import {
  contractState,
  createMortgage,
  listDeliveries,
  MORTGAGE,
  setTenantConfig,
  Signers,
  startE2e,
  webhookKey,
  webhookOf,
  type E2e,
} from './harness.js';

const MAX_ATTEMPTS = 4;
const POLL = { timeout: 90_000, interval: 200 };
const grpc = { NOT_FOUND: 5, FAILED_PRECONDITION: 9 };

let e: E2e;
let signers: Signers;

beforeAll(async () => {
  e = await startE2e('flows', {
    // Quick retries and a small cap, so that the dead letter comes in seconds.
    notification: { NOTIFY_MAX_ATTEMPTS: String(MAX_ATTEMPTS), NOTIFY_RETRY_INITIAL_MS: '100', NOTIFY_RETRY_MAX_MS: '400', NOTIFY_SEND_TIMEOUT_MS: '2000' },
    // The deadline scheduler looks every half second (expiry below).
    document: { DEADLINE_SCAN_MS: '500' },
  });
  signers = new Signers(e.p, e.tap, 2);
}, 180_000);

afterAll(async () => {
  signers?.stop();
  await e?.stop();
});

const tenant = (name: string) => `${e.p.id}-${name}`;

async function card(person: string) {
  const dir = join(e.p.pki.dir, 'people', person);
  return { card: CardSimulator.open(dir), password: (await readFile(join(dir, CARD_FILES.password), 'utf8')).trim() };
}

async function prepare(c: { tenantId: string; contractId: string; documentIds: string[] }, partyId: string, documentIndex: number, person: string) {
  const { document } = await callUnary(e.p.documents.getDocument.bind(e.p.documents), { tenantId: c.tenantId, documentId: c.documentIds[documentIndex]! });
  const { card: sim } = await card(person);
  return callUnary(e.p.signing.prepareSignature.bind(e.p.signing), {
    revision: { tenantId: c.tenantId, contractId: c.contractId, documentId: c.documentIds[documentIndex]!, revisionId: document!.headRevisionId },
    partyId,
    placement: undefined,
    level: PadesLevel.PADES_LEVEL_B_T,
    certify: 0,
    signerCertificate: sim.signingCertificate(),
  });
}

describe('webhooks through the platform', () => {
  it('a receiver failing 3 times gets exactly one successful delivery; one that always fails ends dead-lettered after the cap', async () => {
    const tenantId = tenant('hooks');
    const flaky = `/flaky/${tenantId}`;
    const down = `/down/${tenantId}`;
    e.receiver.answer(flaky, (attempt) => (attempt <= 3 ? 503 : 200));
    e.receiver.answer(down, () => 500);
    await setTenantConfig(e.p, {
      tenantId,
      webhooks: [
        { url: `${e.receiver.url}${flaky}`, keys: [webhookKey()], eventTypes: ['contract.sent'] },
        { url: `${e.receiver.url}${down}`, keys: [webhookKey()], eventTypes: ['contract.sent'] },
      ],
    });
    const c = await createMortgage(e.p, tenantId);
    const deliveries = () => listDeliveries(e.p, tenantId);
    await expect
      .poll(async () => (await deliveries()).map((d) => `${d.target.replace(e.receiver.url, '')} ${DeliveryStatus[d.status]}`).sort(), POLL)
      .toEqual([`${down} DELIVERY_STATUS_DEAD_LETTERED`, `${flaky} DELIVERY_STATUS_DELIVERED`]);

    const sent = e.tap.distinct(c.contractId, 'contract.sent');
    expect(sent).toHaveLength(1);
    const log = await deliveries();
    for (const d of log) {
      expect(d.channel).toBe(Channel.CHANNEL_WEBHOOK);
      expect(d.eventId).toBe(sent[0]!.id);
    }

    // Flaky: 3 refusals, then one success; every try carried the same delivery id.
    const flakyRequests = e.receiver.requests.filter((r) => r.path === flaky).map(webhookOf);
    expect(flakyRequests.map((r) => r.status)).toEqual([503, 503, 503, 200]);
    expect(new Set(flakyRequests.map((r) => r.deliveryId))).toEqual(new Set([log.find((d) => d.target.endsWith(flaky))!.id]));
    expect(log.find((d) => d.target.endsWith(flaky))!.attempts).toBe(4);

    // Down: exactly the cap of attempts, then the dead letter (and no more requests).
    const dead = log.find((d) => d.target.endsWith(down))!;
    expect(dead.attempts).toBe(MAX_ATTEMPTS);
    expect(dead.attemptLog.map((a) => a.succeeded)).toEqual(Array(MAX_ATTEMPTS).fill(false));
    expect(e.receiver.requests.filter((r) => r.path === down)).toHaveLength(MAX_ATTEMPTS);
  });
});

describe('bad input through the platform', () => {
  it('an unknown tenant or contract is NOT_FOUND, and so is another tenant’s contract', async () => {
    const c = await createMortgage(e.p, tenant('known'), { send: false });
    const docs = e.p.documents;
    const unknownContract = randomUUID();
    expect((await statusOf(callUnary(docs.getContract.bind(docs), { tenantId: tenant('nobody'), contractId: c.contractId }))).code).toBe(grpc.NOT_FOUND);
    expect((await statusOf(callUnary(docs.getContract.bind(docs), { tenantId: c.tenantId, contractId: unknownContract }))).code).toBe(grpc.NOT_FOUND);
    expect((await statusOf(callUnary(docs.sendContract.bind(docs), { tenantId: c.tenantId, contractId: unknownContract }))).code).toBe(grpc.NOT_FOUND);
    expect((await statusOf(callUnary(docs.sendContract.bind(docs), { tenantId: tenant('nobody'), contractId: c.contractId }))).code).toBe(grpc.NOT_FOUND);
    // A card signature for a contract of another tenant, or none at all.
    const { card: sim } = await card('yamada-taro');
    for (const [tenantId, contractId] of [
      [tenant('nobody'), c.contractId],
      [c.tenantId, unknownContract],
    ] as const) {
      const refused = await statusOf(
        callUnary(e.p.signing.prepareSignature.bind(e.p.signing), {
          revision: { tenantId, contractId, documentId: c.documentIds[0]!, revisionId: randomUUID() },
          partyId: 'borrower',
          placement: undefined,
          level: PadesLevel.PADES_LEVEL_B_T,
          certify: 0,
          signerCertificate: sim.signingCertificate(),
        }),
      );
      expect(refused.code).toBe(grpc.NOT_FOUND);
    }
    // Notification settings of nobody.
    expect((await statusOf(callUnary(e.p.notification.listDeliveries.bind(e.p.notification), { tenantId: tenant('nobody'), eventId: '', status: 0, pageSize: 10, pageToken: '' }))).code).toBe(grpc.NOT_FOUND);
  });

  it('a signature for the wrong step or party is FAILED_PRECONDITION (NOT_YOUR_TURN), also as a copied request; a replayed completion signs nothing twice', async () => {
    const c = await createMortgage(e.p, tenant('order'));
    // Step 1 opens once the bank's certification of every document is verified.
    await expect.poll(() => e.tap.distinct(c.contractId, 'contract.step_opened').length, POLL).toBe(1);

    // The guarantor signs in step 2: not yet, with their own card, on their own document.
    const early = await statusOf(prepare(c, 'guarantor', 2, 'suzuki-ichiro'));
    expect(early.code).toBe(grpc.FAILED_PRECONDITION);
    expect(early.details).toMatch(/step 2 .*wait for the invitation/);
    // The guarantor does not sign the loan agreement at all.
    const notTheirs = await statusOf(prepare(c, 'guarantor', 0, 'suzuki-ichiro'));
    expect(notTheirs.code).toBe(grpc.FAILED_PRECONDITION);
    // A copied link: the guarantor's request made with the borrower's card (whose step is open).
    const copiedWithCard = await statusOf(prepare(c, 'guarantor', 2, 'yamada-taro'));
    expect(copiedWithCard.code).toBe(grpc.FAILED_PRECONDITION);

    // The borrower signs the loan agreement; the same completion sent again adds nothing.
    const prepared = await prepare(c, 'borrower', 0, 'yamada-taro');
    const { card: sim, password } = await card('yamada-taro');
    const complete = {
      tenantId: c.tenantId,
      sessionId: prepared.sessionId,
      signatureValue: await sim.sign(prepared.digestInfo, password),
      certificate: sim.signingCertificate(),
    };
    await callUnary(e.p.signing.completeSignature.bind(e.p.signing), complete);
    const revisions = async () =>
      (await callUnary(e.p.documents.getDocument.bind(e.p.documents), { tenantId: c.tenantId, documentId: c.documentIds[0]! })).document!.revisions.length;
    const before = await revisions();
    await callUnary(e.p.signing.completeSignature.bind(e.p.signing), complete).catch((err: { code: number }) =>
      expect([grpc.FAILED_PRECONDITION, grpc.NOT_FOUND]).toContain(err.code),
    );
    // A fresh prepare by the borrower for the same document: already signed.
    const again = await statusOf(prepare(c, 'borrower', 0, 'yamada-taro'));
    expect(again.code).toBe(grpc.FAILED_PRECONDITION);
    expect(await revisions()).toBe(before);
    expect(e.tap.distinct(c.contractId, 'signature.applied').filter((ev) => ev.payload?.$case === 'signatureApplied' && ev.payload.value.partyId === 'borrower')).toHaveLength(1);
  });

  it('an expired contract takes no signature: FAILED_PRECONDITION', async () => {
    const c = await createMortgage(e.p, tenant('expiry'), { deadlineInMs: 5_000 });
    await expect.poll(() => contractState(e.p, c), POLL).toBe('EXPIRED');
    await expect.poll(() => e.tap.distinct(c.contractId, 'contract.expired').length, POLL).toBe(1);
    const refused = await statusOf(prepare(c, 'borrower', 0, 'yamada-taro'));
    expect(refused.code).toBe(grpc.FAILED_PRECONDITION);
  });

  it('a malformed event goes to the dead-letter topic from every consumer of its topic, and the next contract still completes', async () => {
    const kafka = createKafka({ ...testInfra().kafka, clientId: 'e2e-malformed', logLevel: 'NOTHING' });
    await ensureTopics(kafka);
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const key = `e2e-malformed-${e.p.id}`;
    // Bytes that are not an event envelope, on the contract and the verification topic; and a
    // well-formed contract.sent of a contract no service holds (as another platform's would be).
    const publisher = await EventPublisher.connect(kafka);
    const unknown = randomUUID();
    const foreign = newEvent({ tenantId: tenant('foreign'), subject: unknown, payload: { $case: 'contractSent', value: { contractId: unknown, documentIds: [], parties: [], deadline: new Date(Date.now() + 86_400_000) } } });
    try {
      await producer.send({ topic: Topics.contract, messages: [{ key, value: Buffer.from('{"this is": "not protobuf"}\xff\xfe') }] });
      await producer.send({ topic: Topics.verification, messages: [{ key, value: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]) }] });
      await publisher.publish([foreign]);
    } finally {
      await producer.disconnect();
      await publisher.close();
    }
    const ours = (topic: string) => e.p.groups.filter((g) => g.topics.includes(topic)).map((g) => g.groupId).sort();
    const deadLettered = (topic: string) =>
      e.tap.deadLetters
        .filter((d) => d.key === key && d.headers[DeadLetterHeaders.originalTopic] === topic && d.headers[DeadLetterHeaders.consumerGroup]?.endsWith(`-e2e-${e.p.id}`))
        .map((d) => d.headers[DeadLetterHeaders.consumerGroup])
        .sort();
    await expect.poll(() => deadLettered(Topics.contract), POLL).toEqual(ours(Topics.contract));
    await expect.poll(() => deadLettered(Topics.verification), POLL).toEqual(ours(Topics.verification));

    // The consumers went on: a whole mortgage runs to its end.
    const c = await createMortgage(e.p, tenant('after-poison'));
    signers.add(c);
    await expect.poll(() => contractState(e.p, c), { timeout: 150_000, interval: 500 }).toBe('SEALED');
    expect(signers.errors).toEqual([]);
    // The state is read from the service; the event reaches the tap through Kafka a moment later.
    await expect.poll(() => e.tap.distinct(c.contractId, 'contract.completed').length, { timeout: 30_000, interval: 200 }).toBe(1);
    // The contract nobody holds was passed over by the signing automation, not retried into
    // the dead letter (which took 5 attempts, seconds of its partition, before the fix).
    expect(e.tap.deadLetters.filter((d) => d.headers[EventHeaders.id] === foreign.id && d.headers[DeadLetterHeaders.consumerGroup] === `signing-automation-e2e-${e.p.id}`)).toEqual([]);
    expect(MORTGAGE.steps.map((_, i) => e.tap.distinct(c.contractId, 'contract.step_opened').some((ev) => ev.payload?.$case === 'contractStepOpened' && ev.payload.value.stepIndex === i))).toEqual([true, true, true]);
  }, 200_000);
});
