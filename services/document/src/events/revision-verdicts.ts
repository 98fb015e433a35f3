import { createKafka, ensureTopics, EventConsumer, type EventEnvelope, MalformedEventError, Topics } from '@jitsuin/events';
import { Indication } from '@jitsuin/proto/verification/v1/verification';
import type { Logger } from '@jitsuin/rpc';
import type { RevisionVerification } from '../domain/document.js';
import type { DocumentRepository } from '../store/documents.js';

/**
 * verification.completed → the verdict recorded on the revision it is about (indication,
 * sub-indication, signature count, the verification service's report id). Idempotent: the same
 * event again writes the same values, and an older verdict never replaces a newer one. A verdict
 * on a document this service does not hold changes nothing.
 */

const INDICATIONS: Partial<Record<Indication, RevisionVerification['indication']>> = {
  [Indication.INDICATION_TOTAL_PASSED]: 'TOTAL_PASSED',
  [Indication.INDICATION_INDETERMINATE]: 'INDETERMINATE',
  [Indication.INDICATION_TOTAL_FAILED]: 'TOTAL_FAILED',
  [Indication.INDICATION_NO_SIGNATURE_FOUND]: 'NO_SIGNATURE_FOUND',
};

export async function recordRevisionVerdict(documents: DocumentRepository, event: EventEnvelope): Promise<boolean> {
  if (event.payload?.$case !== 'verificationCompleted') return false;
  const v = event.payload.value;
  const indication = INDICATIONS[v.indication];
  if (!v.documentId || !v.revisionId || !indication) {
    throw new MalformedEventError(`verification.completed ${event.id} lacks its document, revision or indication`);
  }
  return documents.recordVerification(event.tenantId, v.documentId, v.revisionId, {
    indication,
    ...(v.subIndication ? { subIndication: v.subIndication } : {}),
    signatureCount: v.signatureCount,
    // The verification service keeps its report under the revision id.
    reportId: v.revisionId,
    verifiedAt: event.time ?? new Date(),
  });
}

export async function startRevisionVerdictConsumer(
  settings: { kafkaBrokers: string[]; groupId: string },
  documents: DocumentRepository,
  logger: Logger,
): Promise<EventConsumer> {
  const kafka = createKafka({
    brokers: settings.kafkaBrokers,
    clientId: 'document-revision-verdicts',
    log: (record) => (record.level === 'ERROR' ? logger.error({ kafka: record }, 'kafka') : logger.warn({ kafka: record }, 'kafka')),
  });
  await ensureTopics(kafka);
  const consumer = new EventConsumer(kafka, {
    groupId: settings.groupId,
    topics: [Topics.verification],
    handle: async (event) => {
      await recordRevisionVerdict(documents, event);
    },
    onFatal: (err) => logger.fatal({ err: String(err) }, 'the revision verdict consumer stopped for good'),
  });
  await consumer.start();
  return consumer;
}
