import { type EventConsumer, type EventEnvelope, MalformedEventError, startServiceConsumer, Topics, type KafkaConnection } from '@jitsuin/events';
import { Indication } from '@jitsuin/proto/verification/v1/verification';
import type { Logger } from '@jitsuin/rpc';
import type { ContractProgress, RevisionVerdict } from '../app/progress.js';
import type { DocumentRepository } from '../store/documents.js';

/**
 * verification.completed, twice useful here: the verdict is recorded on the revision it is
 * about (indication, sub-indication, signature count, the verification service's report id;
 * an older verdict never replaces a newer one), then it moves the contract on (app/progress.ts).
 * Both are idempotent, so a verdict delivered again changes nothing. A verdict on a document or
 * contract this service does not hold changes nothing either.
 */

const INDICATIONS: Partial<Record<Indication, RevisionVerdict['indication']>> = {
  [Indication.INDICATION_TOTAL_PASSED]: 'TOTAL_PASSED',
  [Indication.INDICATION_INDETERMINATE]: 'INDETERMINATE',
  [Indication.INDICATION_TOTAL_FAILED]: 'TOTAL_FAILED',
  [Indication.INDICATION_NO_SIGNATURE_FOUND]: 'NO_SIGNATURE_FOUND',
};

/** Records the verdict on its revision, then lets it move the contract on; other events pass. */
export async function applyVerdict(event: EventEnvelope, documents: DocumentRepository, progress: ContractProgress): Promise<void> {
  if (event.payload?.$case !== 'verificationCompleted') return;
  const v = event.payload.value;
  const indication = INDICATIONS[v.indication];
  if (!event.tenantId || !v.documentId || !v.revisionId || !indication) {
    throw new MalformedEventError(`verification.completed ${event.id} lacks its tenant, document, revision or indication`);
  }
  await documents.recordVerification(event.tenantId, v.documentId, v.revisionId, {
    indication,
    ...(v.subIndication ? { subIndication: v.subIndication } : {}),
    signatureCount: v.signatureCount,
    // The verification service keeps its report under the revision id.
    reportId: v.revisionId,
    verifiedAt: event.time ?? new Date(),
  });
  if (v.contractId) {
    await progress.onVerdict({ tenantId: event.tenantId, contractId: v.contractId, documentId: v.documentId, revisionId: v.revisionId, indication, subIndication: v.subIndication });
  }
}

export function startVerdictConsumer(
  settings: { kafka: KafkaConnection; groupId: string },
  documents: DocumentRepository,
  progress: ContractProgress,
  logger: Logger,
): Promise<EventConsumer> {
  return startServiceConsumer({
    kafka: settings.kafka,
    clientId: 'document-verdicts',
    groupId: settings.groupId,
    topics: [Topics.verification],
    handle: (event) => applyVerdict(event, documents, progress),
    logger,
  });
}
