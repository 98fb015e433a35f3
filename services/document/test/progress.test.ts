import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka, EventPublisher, type EventEnvelope, newEvent } from '@jitsuin/events';
import { ContractState, EndReason, type Contract, type Document, RevisionKind, RevisionPurpose, type RevisionProvenance } from '@jitsuin/proto/document/v1/document';
import { Indication } from '@jitsuin/proto/verification/v1/verification';
import { appendRevision, makePdf, statusOf } from '@jitsuin/testkit';
import { testInfra } from '@jitsuin/testkit/vitest';
import { callClientStream, callUnary, collectEvents, download, mortgageRequest, revisionMessages, startTestService, type TestService, upload } from './harness.js';

/**
 * Contracts move on from verification verdicts (verification.completed on the real Kafka), and
 * the deadline scheduler reminds once and expires, with two replicas running.
 */

let a: TestService;
let b: TestService;
let publisher: EventPublisher;

beforeAll(async () => {
  a = await startTestService({ schedulerIntervalMs: 200, remindBeforeMs: 3_600_000 });
  // A second replica on the same database: same consumer group, its own scheduler.
  b = await startTestService({ mongoUrl: a.config.mongoUrl, verdictsGroupId: a.config.verdictsGroupId, schedulerIntervalMs: 200, remindBeforeMs: 3_600_000 });
  publisher = await EventPublisher.connect(createKafka({ ...testInfra().kafka, clientId: 'progress-test', logLevel: 'NOTHING' }));
}, 120_000);

afterAll(async () => {
  await publisher?.close();
  await b?.stop();
  await a?.stop();
});

const types = (events: EventEnvelope[]) => events.map((e) => e.type);

async function newContract(tenantId: string, options: { certify: boolean; deadlineInMs?: number }) {
  const docs: Document[] = [await upload(a.client, tenantId, makePdf(4096, 'Loan')), await upload(a.client, tenantId, makePdf(4096, 'Guarantee'))];
  // The deadline counted from now, after the uploads (which a loaded machine may make slow).
  const deadline = options.deadlineInMs === undefined ? undefined : new Date(Date.now() + options.deadlineInMs);
  const request = { ...mortgageRequest(tenantId, docs.map((d) => d.id), deadline), certifyingPartyId: options.certify ? 'bank' : '' };
  const { contract } = await callUnary(a.client.createContract.bind(a.client), request);
  await callUnary(a.client.sendContract.bind(a.client), { tenantId, contractId: contract!.id });
  return { contract: contract!, docs };
}

/**
 * Appends a revision made by `madeBy` to the head of a document; returns its id. Without a
 * provenance, as a writer from before provenance was recorded adds one.
 */
async function addRevision(tenantId: string, documentId: string, kind: RevisionKind, madeBy: string, provenance?: RevisionProvenance): Promise<string> {
  const { document } = await callUnary(a.client.getDocument.bind(a.client), { tenantId, documentId });
  const head = await download(a.client, { tenantId, documentId });
  const response = await callClientStream(
    a.signingClient.addRevision.bind(a.signingClient),
    revisionMessages({ tenantId, documentId, parentRevisionId: document!.headRevisionId, kind, madeBy, description: madeBy, provenance }, appendRevision(head, madeBy)),
  );
  return response.revision!.id;
}

async function verdict(tenantId: string, contractId: string, documentId: string, revisionId: string, indication = Indication.INDICATION_TOTAL_PASSED, subIndication = '') {
  await publisher.publish([
    newEvent({ tenantId, subject: contractId, payload: { $case: 'verificationCompleted', value: { contractId, documentId, revisionId, indication, subIndication, signatureCount: 1, differingFacts: [] } } }),
  ]);
}

const getContract = async (tenantId: string, contractId: string): Promise<Contract> =>
  (await callUnary(a.client.getContract.bind(a.client), { tenantId, contractId })).contract!;

describe('contract progress from verification verdicts', () => {
  it('certification, then each step in order, then signed, then sealed at B-LTA; a verdict seen twice changes nothing', async () => {
    const tenantId = `t-${randomUUID().slice(0, 8)}`;
    const events = await collectEvents(tenantId);
    try {
      const { contract, docs } = await newContract(tenantId, { certify: true });
      const id = contract.id;
      // Sent with a certifier: no step is open until the certification is verified.
      expect((await getContract(tenantId, id)).openSteps).toBe(0);
      const pass = async (documentId: string, revisionId: string) => verdict(tenantId, id, documentId, revisionId);
      const all = async (kind: RevisionKind, madeBy: string) => {
        for (const d of docs) await pass(d.id, await addRevision(tenantId, d.id, kind, madeBy));
      };

      await all(RevisionKind.REVISION_KIND_SEAL, 'seal:lender');
      await expect.poll(async () => (await getContract(tenantId, id)).openSteps, { timeout: 20_000 }).toBe(1);

      // The borrower alone does not finish step 1; with the co-borrower on both documents it does.
      await all(RevisionKind.REVISION_KIND_SIGNATURE, 'borrower');
      await all(RevisionKind.REVISION_KIND_SIGNATURE, 'co-borrower');
      await expect.poll(async () => (await getContract(tenantId, id)).openSteps, { timeout: 20_000 }).toBe(2);
      expect((await getContract(tenantId, id)).state).toBe(ContractState.CONTRACT_STATE_PARTIALLY_SIGNED);

      await all(RevisionKind.REVISION_KIND_SIGNATURE, 'guarantor');
      await expect.poll(async () => (await getContract(tenantId, id)).openSteps, { timeout: 20_000 }).toBe(3);
      await all(RevisionKind.REVISION_KIND_SEAL, 'seal:lender');
      await expect.poll(async () => (await getContract(tenantId, id)).state, { timeout: 20_000 }).toBe(ContractState.CONTRACT_STATE_SIGNED);

      for (const d of docs) {
        await addRevision(tenantId, d.id, RevisionKind.REVISION_KIND_VALIDATION_DATA, 'signing-service');
        const lta = await addRevision(tenantId, d.id, RevisionKind.REVISION_KIND_TIMESTAMP, 'signing-service');
        await pass(d.id, lta);
        // The same verdict again (Kafka delivers at least once).
        await pass(d.id, lta);
      }
      await expect.poll(async () => (await getContract(tenantId, id)).state, { timeout: 20_000 }).toBe(ContractState.CONTRACT_STATE_SEALED);

      await expect.poll(() => types(events.events).filter((t) => t === 'contract.completed').length, { timeout: 20_000 }).toBe(1);
      expect(types(events.events).filter((t) => t.startsWith('contract.'))).toEqual([
        'contract.created',
        'contract.sent',
        'contract.step_opened',
        'contract.step_opened',
        'contract.step_opened',
        'contract.signed',
        'contract.completed',
      ]);
      const opened = events.events.filter((e) => e.payload?.$case === 'contractStepOpened').map((e) => e.payload?.$case === 'contractStepOpened' && e.payload.value);
      expect(opened.map((o) => o && [o.stepIndex, o.partyIds])).toEqual([[0, ['borrower', 'co-borrower']], [1, ['guarantor']], [2, ['bank']]]);
    } finally {
      await events.stop();
    }
  });

  it('a revision’s provenance is checked against the contract, kept, announced in revision_added and read by the progress rules', async () => {
    const tenantId = `t-${randomUUID().slice(0, 8)}`;
    const events = await collectEvents(tenantId);
    try {
      const { contract, docs } = await newContract(tenantId, { certify: true });
      const seal = RevisionKind.REVISION_KIND_SEAL;
      const certification = { purpose: RevisionPurpose.REVISION_PURPOSE_CERTIFICATION, partyId: 'bank', sealId: 'lender' };
      // Provenance that does not fit the contract: refused, the document as it was.
      const refused = [
        { purpose: RevisionPurpose.REVISION_PURPOSE_CERTIFICATION, partyId: 'bank', sealId: 'agency' },
        { purpose: RevisionPurpose.REVISION_PURPOSE_CERTIFICATION, partyId: 'borrower', sealId: 'lender' },
        { purpose: RevisionPurpose.REVISION_PURPOSE_SIGNATURE, partyId: 'borrower', sealId: '' },
      ];
      const details = [];
      for (const provenance of refused) {
        const refusal = await statusOf(addRevision(tenantId, docs[0]!.id, seal, 'seal:lender', provenance));
        expect(refusal.code).toBe(3); // INVALID_ARGUMENT
        details.push(refusal.details);
      }
      expect(details).toEqual([
        'seal agency is not the seal of party bank',
        'seal lender is not the seal of party borrower',
        'a revision of kind SEAL cannot be a signature (that is made of SIGNATURE)',
      ]);
      const { document: untouched } = await callUnary(a.client.getDocument.bind(a.client), { tenantId, documentId: docs[0]!.id });
      expect(untouched!.revisions).toHaveLength(1);

      // The certification of every document, recorded as such; verified, it opens step 1.
      const ids = [];
      for (const d of docs) ids.push(await addRevision(tenantId, d.id, seal, 'seal:lender', certification));
      const { document } = await callUnary(a.client.getDocument.bind(a.client), { tenantId, documentId: docs[0]!.id });
      expect(document!.revisions.map((r) => r.provenance)).toEqual([{ purpose: RevisionPurpose.REVISION_PURPOSE_ORIGINAL, partyId: '', sealId: '' }, certification]);
      await expect.poll(() => events.events.filter((e) => e.payload?.$case === 'revisionAdded').length, { timeout: 20_000 }).toBe(2);
      const added = events.events.flatMap((e) => (e.payload?.$case === 'revisionAdded' ? [e.payload.value] : []));
      expect(added.map((r) => [r.revisionId, r.provenance])).toEqual(ids.map((id) => [id, certification]));
      for (const [i, d] of docs.entries()) await verdict(tenantId, contract.id, d.id, ids[i]!);
      await expect.poll(async () => (await getContract(tenantId, contract.id)).openSteps, { timeout: 20_000 }).toBe(1);
    } finally {
      await events.stop();
    }
  });

  it('a signature the verification service fails stops the contract and says why; a later pass does not revive it', async () => {
    const tenantId = `t-${randomUUID().slice(0, 8)}`;
    const events = await collectEvents(tenantId);
    try {
      const { contract, docs } = await newContract(tenantId, { certify: false });
      expect((await getContract(tenantId, contract.id)).openSteps).toBe(1);
      const bad = await addRevision(tenantId, docs[0]!.id, RevisionKind.REVISION_KIND_SIGNATURE, 'borrower');
      await verdict(tenantId, contract.id, docs[0]!.id, bad, Indication.INDICATION_TOTAL_FAILED, 'HASH_FAILURE');
      await expect.poll(async () => (await getContract(tenantId, contract.id)).state, { timeout: 20_000 }).toBe(ContractState.CONTRACT_STATE_VOIDED);
      const ended = await getContract(tenantId, contract.id);
      expect(ended.end).toMatchObject({ reason: EndReason.END_REASON_VERIFICATION_FAILED, comment: expect.stringMatching(/HASH_FAILURE/) });
      await expect.poll(() => events.events.find((e) => e.type === 'contract.voided'), { timeout: 20_000 }).toBeDefined();
      const voided = events.events.find((e) => e.payload?.$case === 'contractVoided')!;
      expect(voided.payload?.$case === 'contractVoided' && voided.payload.value).toMatchObject({ reason: EndReason.END_REASON_VERIFICATION_FAILED, comment: expect.stringMatching(/HASH_FAILURE/) });

      await verdict(tenantId, contract.id, docs[0]!.id, bad);
      // Give the consumer the time to see it, then check nothing changed.
      await verdict(tenantId, contract.id, docs[1]!.id, docs[1]!.headRevisionId);
      await new Promise((r) => setTimeout(r, 1500));
      expect((await getContract(tenantId, contract.id)).state).toBe(ContractState.CONTRACT_STATE_VOIDED);
    } finally {
      await events.stop();
    }
  });
});

describe('deadline scheduler (two replicas)', () => {
  it('reminds the people of the open step, once, and expires the contract at the deadline, once', async () => {
    const tenantId = `t-${randomUUID().slice(0, 8)}`;
    const events = await collectEvents(tenantId);
    try {
      // Within the reminder window (an hour) from the start; past the deadline in 8 s. Nobody signed:
      // both people of the open first step are reminded.
      const { contract } = await newContract(tenantId, { certify: false, deadlineInMs: 8_000 });
      await expect.poll(async () => (await getContract(tenantId, contract.id)).state, { timeout: 30_000 }).toBe(ContractState.CONTRACT_STATE_EXPIRED);
      // Every event is published (the outbox relay may take its time); then count.
      await expect.poll(() => types(events.events).includes('contract.expired'), { timeout: 30_000 }).toBe(true);
      const reminders = events.events.filter((e) => e.payload?.$case === 'contractReminder');
      expect(reminders, JSON.stringify(types(events.events))).toHaveLength(1);
      expect(reminders[0]!.payload?.$case === 'contractReminder' && reminders[0]!.payload.value.partyIds).toEqual(['borrower', 'co-borrower']);
      expect(types(events.events).filter((t) => t === 'contract.expired')).toHaveLength(1);
    } finally {
      await events.stop();
    }
  });
});
