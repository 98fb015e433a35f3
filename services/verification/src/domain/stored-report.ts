import type { Indication, SubIndication, VerificationReport } from '@jitsuin/verify';
import { SIGNER_FACTS_MISMATCH, type SignerFactsCheck } from './signer-facts.js';

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
  /** The library's verdict, or TOTAL_FAILED / SIGNER_FACTS_MISMATCH when `signerFacts` differ. */
  indication: Indication;
  subIndication: SubIndication | typeof SIGNER_FACTS_MISMATCH | null;
  signatureCount: number;
  /** The library's JSON, exactly as verifyPdf gave it. */
  reportJson: string;
  verifiedAt: Date;
  /** A party's card signature: its certificate's facts against the party's (fact names only). */
  signerFacts?: SignerFactsCheck;
}

/**
 * The report to keep. A signature that is not the party's fails the revision (TOTAL_FAILED,
 * SIGNER_FACTS_MISMATCH) whatever the library found, unless the library failed it already:
 * its sub-indication then stands, and `signerFacts` still says what differed.
 */
export function storedReport(
  input: Omit<StoredReport, 'id' | 'indication' | 'subIndication' | 'signatureCount' | 'reportJson'>,
  report: VerificationReport,
): StoredReport {
  const notTheParty = input.signerFacts !== undefined && !input.signerFacts.matches && report.document.indication !== 'TOTAL_FAILED';
  return {
    id: input.revisionId,
    ...input,
    indication: notTheParty ? 'TOTAL_FAILED' : report.document.indication,
    subIndication: notTheParty ? SIGNER_FACTS_MISMATCH : report.document.subIndication,
    signatureCount: report.document.signatureCount,
    reportJson: JSON.stringify(report),
  };
}

/** The facts named with SIGNER_FACTS_MISMATCH (none for any other verdict). */
export function differingFactsOf(report: StoredReport): string[] {
  return report.subIndication === SIGNER_FACTS_MISMATCH ? [...(report.signerFacts?.differing ?? [])] : [];
}
