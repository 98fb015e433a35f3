/**
 * The verification report of issue 4: one JSON shape for the library, the service and the CLI,
 * following the indications of ETSI EN 319 102-1 (the "simple report" of EU DSS, with enough of
 * the detail to explain itself).
 */

/** ETSI EN 319 102-1 main indications, plus ours for a document with no signature at all. */
export type Indication = 'TOTAL_PASSED' | 'INDETERMINATE' | 'TOTAL_FAILED' | 'NO_SIGNATURE_FOUND';

/**
 * Sub-indications of TOTAL_FAILED (ETSI EN 319 102-1, table 5), plus MODIFICATIONS_NOT_ALLOWED.
 *
 * MODIFICATIONS_NOT_ALLOWED is ours: the document was changed after the signature in a way that
 * neither PAdES (later signatures, DSS, document timestamps) nor the certification (DocMDP) and
 * field locks (FieldMDP) allow, e.g. a shadow attack. EN 319 102-1 has no sub-indication for a
 * change made outside the signed bytes; EU DSS folds it into FORMAT_FAILURE (its format-checking
 * block), which would hide the most important thing a lender must hear, and pyHanko reports it
 * without an AdES sub-indication (docmdp_ok false, "ILLEGAL_MODIFICATIONS"). The name follows
 * ETSI's style and says what happened; the signature itself may verify (integrity is separate).
 */
export type FailedSubIndication =
  | 'FORMAT_FAILURE'
  | 'HASH_FAILURE'
  | 'SIG_CRYPTO_FAILURE'
  | 'MODIFICATIONS_NOT_ALLOWED'
  | 'REVOKED'
  | 'EXPIRED'
  | 'NOT_YET_VALID';

/** Sub-indications of INDETERMINATE (ETSI EN 319 102-1, table 6). */
export type IndeterminateSubIndication =
  | 'SIG_CONSTRAINTS_FAILURE'
  | 'CHAIN_CONSTRAINTS_FAILURE'
  | 'CERTIFICATE_CHAIN_GENERAL_FAILURE'
  | 'CRYPTO_CONSTRAINTS_FAILURE'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'POLICY_PROCESSING_ERROR'
  | 'SIGNATURE_POLICY_NOT_AVAILABLE'
  | 'TIMESTAMP_ORDER_FAILURE'
  | 'NO_SIGNING_CERTIFICATE_FOUND'
  | 'NO_CERTIFICATE_CHAIN_FOUND'
  | 'REVOKED_NO_POE'
  | 'REVOKED_CA_NO_POE'
  | 'OUT_OF_BOUNDS_NO_POE'
  | 'OUT_OF_BOUNDS_NOT_REVOKED'
  | 'CRYPTO_CONSTRAINTS_FAILURE_NO_POE'
  | 'NO_POE'
  | 'TRY_LATER'
  | 'SIGNED_DATA_NOT_FOUND';

export type SubIndication = FailedSubIndication | IndeterminateSubIndication;

export type SignatureLevel = 'B-B' | 'B-T' | 'B-LT' | 'B-LTA' | 'PDF_NOT_ETSI';

export type Coverage = 'ENTIRE_FILE' | 'ENTIRE_REVISION' | 'PARTIAL' | 'UNCLEAR';

export type Modifications = 'NONE' | 'LTA_UPDATES' | 'FORM_FILLING' | 'ANNOTATIONS' | 'OTHER';

export type RevocationStatus = 'GOOD' | 'REVOKED' | 'UNKNOWN' | 'NOT_CHECKED';

export type RevocationSourceKind = 'OCSP' | 'CRL' | 'DSS' | 'JPKI';

export interface IntegrityReport {
  byteRange: 'VALID' | 'INVALID';
  coverage: Coverage;
  digestMatches: boolean;
  signatureValid: boolean;
}

export interface JpkiFacts {
  name: string;
  address: string;
  /** YYYY-MM-DD */
  dateOfBirth: string;
  gender: string;
  /**
   * The certificate's substitute-character flags (one digit per character, 1: the register's
   * character is outside JIS levels 1–2 and this one stands in for it), when at least one is set.
   */
  nameFlags?: string;
  addressFlags?: string;
}

export interface SignerReport {
  subject: string;
  serial: string;
  jpki: JpkiFacts | null;
}

export interface TimeReport {
  /** ISO-8601: the signing time the signer claims (signing-time attribute or /M). */
  claimed: string | null;
  /** ISO-8601: the genTime of the signature (or document) timestamp. */
  timestamp: string | null;
}

export interface RevocationReport {
  status: RevocationStatus;
  /** RFC 5280 reason name of a revocation (affiliationChanged, certificateHold, ...). */
  reason: string | null;
  /** For JPKI certificates: what the status means for the person (the design's table), in English. */
  meaning: string | null;
  /** The same meaning as a code of @jitsuin/jpki's revocationMeaning (ALIVE, FACTS_CHANGED, ...), for Japanese and other renderings. */
  meaningCode: string | null;
  source: RevocationSourceKind | null;
  /** ISO-8601 */
  checkedAt: string;
}

export interface SignatureReport {
  field: string;
  subFilter: string;
  level: SignatureLevel;
  indication: Indication;
  subIndication: SubIndication | null;
  integrity: IntegrityReport;
  /**
   * What changed after the signature, the worst class of change (issue 4, item 4). `null` when it
   * cannot be told: the ByteRange is unusable (the signature then fails FORMAT_FAILURE), or the
   * report comes from the integrity layer alone (verifyPdfIntegrity).
   */
  modifications: Modifications | null;
  /** `null` when no signer certificate could be identified in the CMS. */
  signer: SignerReport | null;
  time: TimeReport;
  revocation: RevocationReport;
  messages: string[];
}

export interface DocumentReport {
  indication: Indication;
  subIndication: SubIndication | null;
  signatureCount: number;
}

export interface VerificationReport {
  document: DocumentReport;
  signatures: SignatureReport[];
}

const FAILED: ReadonlySet<string> = new Set<FailedSubIndication>(['FORMAT_FAILURE', 'HASH_FAILURE', 'SIG_CRYPTO_FAILURE', 'MODIFICATIONS_NOT_ALLOWED', 'REVOKED']);

/** The main indication a sub-indication belongs to (EXPIRED / NOT_YET_VALID exist under both; here INDETERMINATE). */
export function indicationOf(sub: SubIndication): 'TOTAL_FAILED' | 'INDETERMINATE' {
  return FAILED.has(sub) ? 'TOTAL_FAILED' : 'INDETERMINATE';
}
