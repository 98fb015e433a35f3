import type { EventPayload } from '@jitsuin/events';
import { Indication } from '@jitsuin/proto/verification/v1/verification';
import { differingFactsOf, type StoredReport } from '../domain/stored-report.js';

const INDICATIONS: Record<StoredReport['indication'], Indication> = {
  TOTAL_PASSED: Indication.INDICATION_TOTAL_PASSED,
  INDETERMINATE: Indication.INDICATION_INDETERMINATE,
  TOTAL_FAILED: Indication.INDICATION_TOTAL_FAILED,
  NO_SIGNATURE_FOUND: Indication.INDICATION_NO_SIGNATURE_FOUND,
};

export const indicationToProto = (indication: StoredReport['indication']): Indication => INDICATIONS[indication];

/** The verdict only: ids, indications and the names of differing facts, never the signers' facts (they stay in the stored report). */
export function verificationCompleted(report: StoredReport): EventPayload[] {
  return [
    {
      $case: 'verificationCompleted',
      value: {
        contractId: report.contractId,
        documentId: report.documentId,
        revisionId: report.revisionId,
        indication: indicationToProto(report.indication),
        subIndication: report.subIndication ?? '',
        signatureCount: report.signatureCount,
        differingFacts: differingFactsOf(report),
      },
    },
  ];
}
