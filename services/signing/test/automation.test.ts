// The platform's own signing on contract events (app/automation.ts), run by the service's
// consumer on the real Kafka against the real document service: Kafka delivers at least once,
// so an event seen again must find done what was done.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka, EventPublisher, Topics } from '@jitsuin/events';
import { RevisionKind, RevisionPurpose } from '@jitsuin/proto/document/v1/document';
import { PadesLevel } from '@jitsuin/proto/signing/v1/signing';
import { connectStore } from '@jitsuin/store';
import { startGroupsAtEnd } from '@jitsuin/testkit/kafka';
import { testInfra } from '@jitsuin/testkit/vitest';
import { callUnary, collectEvents, getDocument, newDeal, startWorld, type World } from './harness.js';

const automationGroupId = `signing-automation-test-${randomUUID()}`;
let world: World;
let publisher: EventPublisher;

beforeAll(async () => {
  // The automation's group starts at the end of the topic: it handles this file's contracts (and
  // finds every other test's contract unknown to its document service).
  await startGroupsAtEnd(testInfra().kafka, [{ groupId: automationGroupId, topics: [Topics.contract] }]);
  world = await startWorld({ runAutomation: true, automationGroupId });
  publisher = await EventPublisher.connect(createKafka({ ...testInfra().kafka, clientId: 'automation-test', logLevel: 'NOTHING' }));
}, 180_000);
afterAll(async () => {
  await publisher?.close();
  await world?.close();
});

/**
 * Waits until the automation has handled every contract event published so far: its group's
 * committed offsets (committed after each event is handled) reach the ends of the topic as they
 * are now.
 */
async function automationCaughtUp(): Promise<void> {
  const admin = createKafka({ ...testInfra().kafka, clientId: 'automation-test-admin', logLevel: 'NOTHING' }).admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(Topics.contract);
    await expect
      .poll(
        async () => {
          const [committed] = await admin.fetchOffsets({ groupId: automationGroupId, topics: [Topics.contract] });
          return ends.every((end) => {
            const at = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
            return BigInt(at) >= BigInt(end.high);
          });
        },
        { timeout: 60_000, interval: 200 },
      )
      .toBe(true);
  } finally {
    await admin.disconnect();
  }
}

describe('the platform signing on contract events', () => {
  it('an organisation’s seal already in place (its answer lost) is announced, not made again, also when the step.opened comes again', async () => {
    // The first attempt: a signing service that stored the bank's seal and then lost the answer
    // (its session and signature.applied stay in a database of their own, never published).
    const lostUrl = new URL(testInfra().mongoUrl);
    lostUrl.pathname = `/signing_lost_${randomUUID().slice(0, 8)}`;
    const lost = await world.startSigning({ mongoUrl: lostUrl.toString(), runRelay: false, runAutomation: false });
    try {
      // No certifier, the bank alone in the first step: its seal is the document's first change.
      const deal = await newDeal(world, { send: false, steps: [['bank'], ['borrower', 'co-borrower', 'guarantor']] });
      const c = lost.client;
      const sealed = await callUnary(c.seal.bind(c), {
        revision: deal.ref(),
        sealId: 'lender',
        placement: { fieldName: 'bank', page: 0, rect: undefined, roleLabel: '' },
        level: PadesLevel.PADES_LEVEL_B_T,
        certify: 0,
        lock: false,
        addFields: [],
      });
      const contractEvents = await collectEvents(deal.tenantId, Topics.contract);
      const signatureEvents = await collectEvents(deal.tenantId, Topics.signature);
      const announced = () => signatureEvents.events.filter((e) => e.payload?.$case === 'signatureApplied' && e.payload.value.revisionId === sealed.revisionId);
      try {
        // Sent now: step 1 opens, and the automation finds the bank's seal in place.
        await callUnary(world.documents.sendContract.bind(world.documents), { tenantId: deal.tenantId, contractId: deal.contract.id });
        await expect.poll(() => announced().length, { timeout: 60_000 }).toBe(1);

        // Kafka delivers the very same step.opened again (a consumer died before committing it).
        await expect.poll(() => contractEvents.events.find((e) => e.type === 'contract.step_opened'), { timeout: 20_000 }).toBeDefined();
        await publisher.publish([contractEvents.events.find((e) => e.type === 'contract.step_opened')!]);
        await automationCaughtUp();

        const document = await getDocument(world, deal);
        expect(document.revisions.map((r) => [r.kind, r.madeBy, r.provenance])).toEqual([
          [RevisionKind.REVISION_KIND_ORIGINAL, 'upload', { purpose: RevisionPurpose.REVISION_PURPOSE_ORIGINAL, partyId: '', sealId: '' }],
          [RevisionKind.REVISION_KIND_SEAL, 'seal:lender', { purpose: RevisionPurpose.REVISION_PURPOSE_SEAL, partyId: 'bank', sealId: 'lender' }],
        ]);
      } finally {
        await contractEvents.stop();
        await signatureEvents.stop();
      }
    } finally {
      await lost.stop();
      const connection = await connectStore(lostUrl.toString()).catch(() => undefined);
      await connection?.dropDatabase().catch(() => undefined);
      await connection?.close();
    }
  }, 180_000);
});
