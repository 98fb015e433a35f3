import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka, EventPublisher, newEvent, type KafkaSasl } from '@jitsuin/events';
import { Indication } from '@jitsuin/proto/verification/v1/verification';
import { makePdf } from '@jitsuin/testkit';
import { testInfra } from '@jitsuin/testkit/vitest';
import { callUnary, startTestService, type TestService, upload } from './harness.js';

/**
 * The document service believes what arrives on the verification topic, so only the
 * verification service may write there: a verification.completed forged by another service's
 * principal is refused by the broker and never reaches the verdict consumer. Runs on the
 * testkit's SASL broker, where each service logs in as itself (skipped on other brokers).
 */

const { kafka, kafkaLogins } = testInfra();
let service: TestService;

const publisherAs = (sasl: KafkaSasl) => EventPublisher.connect(createKafka({ brokers: kafka.brokers, sasl, clientId: `forger-${sasl.username}`, logLevel: 'NOTHING' }));

function verdict(tenantId: string, documentId: string, revisionId: string, indication: Indication) {
  // One subject for every verdict of the test: one partition, so they arrive in the order sent.
  return newEvent({ tenantId, subject: tenantId, payload: { $case: 'verificationCompleted', value: { contractId: '', documentId, revisionId, indication, subIndication: '', signatureCount: 1, differingFacts: [] } } });
}

describe.skipIf(!kafkaLogins.document)('verdicts only from the verification principal', () => {
  beforeAll(async () => {
    // The service as it runs: its own principal, its consumer group under its prefix.
    service = await startTestService({ kafka: { brokers: kafka.brokers, sasl: kafkaLogins.document!.sasl } });
  });

  afterAll(async () => {
    await service?.stop();
  });

  const verificationOf = async (tenantId: string, documentId: string) =>
    (await callUnary(service.client.getDocument.bind(service.client), { tenantId, documentId })).document!.revisions[0]!.verification?.indication;

  it('a forged verification.completed is refused by the broker and changes nothing', async () => {
    const tenantId = `t-${randomUUID().slice(0, 8)}`;
    const forged = await upload(service.client, tenantId, makePdf(2048, 'Forged'));
    const marker = await upload(service.client, tenantId, makePdf(2048, 'Marker'));
    const notification = await publisherAs(kafkaLogins.notification!.sasl);
    const signing = await publisherAs(kafkaLogins.signing!.sasl);
    const verification = await publisherAs(kafkaLogins.verification!.sasl);
    try {
      for (const forger of [notification, signing]) {
        await expect(forger.publish([verdict(tenantId, forged.id, forged.headRevisionId, Indication.INDICATION_TOTAL_PASSED)])).rejects.toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
      }
      // A genuine verdict after the forged ones, on the same partition: once the consumer has
      // applied it, it has seen whatever came before it.
      await verification.publish([verdict(tenantId, marker.id, marker.headRevisionId, Indication.INDICATION_TOTAL_PASSED)]);
      await expect.poll(() => verificationOf(tenantId, marker.id), { timeout: 30_000 }).toBe(Indication.INDICATION_TOTAL_PASSED);
      expect(await verificationOf(tenantId, forged.id)).toBeUndefined();
    } finally {
      await Promise.all([notification.close(), signing.close(), verification.close()]);
    }
  });
});
