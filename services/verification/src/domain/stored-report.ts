import type { Indication, SubIndication, VerificationReport } from '@jitsuin/verify';

/**
 * A report the service keeps: the verdict on one stored revision, made when its signature was
 * applied (signature.applied). Keyed by the revision id: a revision's bytes never change, and
 * the first verdict on them is the one recorded (a redelivered event changes nothing).
 */
export interface StoredReport {
  /** The revision id; also the report id in verification.completed. */
  id: string;
  tenantId: string;
  contractId: string;
  documentId: string;
  revisionId: string;
  /** The signature.applied event that asked for it. */
  eventId: string;
  indication: Indication;
  subIndication: SubIndication | null;
  signatureCount: number;
  /** The library's JSON, exactly as verifyPdf gave it. */
  reportJson: string;
  verifiedAt: Date;
}

export function storedReport(input: Omit<StoredReport, 'id' | 'indication' | 'subIndication' | 'signatureCount' | 'reportJson'>, report: VerificationReport): StoredReport {
  return {
    id: input.revisionId,
    ...input,
    indication: report.document.indication,
    subIndication: report.document.subIndication,
    signatureCount: report.document.signatureCount,
    reportJson: JSON.stringify(report),
  };
}
