/**
 * What an evidence package holds and where (format jitsuin-evidence/1):
 *
 *   manifest.json                      SHA-256 and size of every other file but the seal; the
 *                                      event log's head hash; the contract and when it was made
 *   manifest.json.p7s                  the platform's seal: a detached CMS SignedData over the
 *                                      bytes of manifest.json (so over every file, through it)
 *   contract.json                      the contract: title, kind, state, parties (ids, kinds,
 *                                      roles; no basic-4 facts), documents, signing steps
 *   revisions.json                     every revision of every document: id, parent, kind, who
 *                                      made it, SHA-256, size, the verification verdict
 *   event-log.json                     every event of the contract as a hash chain
 *   documents/DOCUMENT/final.pdf       each document's final PDF (its head revision)
 *   reports/DOCUMENT/REVISION.json     the verification service's report on that revision
 *   reports/DOCUMENT/REVISION.html     the same report as a page (Japanese and English)
 *   validation/certificates/SHA.cer    certificates from the final PDFs' DSS (DER)
 *   validation/crls/SHA.crl            CRLs from the DSS (DER)
 *   validation/ocsp/SHA.ocsp           OCSP responses from the DSS (DER)
 *
 * Every earlier revision of a document is a prefix of its final PDF (each revision is an
 * incremental update of its parent), so revisions.json's hashes can be checked from final.pdf.
 */

export const EVIDENCE_FORMAT = 'jitsuin-evidence/1';
export const EVENT_LOG_FORMAT = 'jitsuin-event-log/1';
export const REVISIONS_FORMAT = 'jitsuin-revisions/1';

export const PATHS = {
  manifest: 'manifest.json',
  seal: 'manifest.json.p7s',
  contract: 'contract.json',
  revisions: 'revisions.json',
  eventLog: 'event-log.json',
} as const;

export const finalPdfPath = (documentId: string) => `documents/${documentId}/final.pdf`;
export const reportPaths = (documentId: string, revisionId: string) => ({
  json: `reports/${documentId}/${revisionId}.json`,
  html: `reports/${documentId}/${revisionId}.html`,
});
export const validationPath = (kind: 'certificate' | 'crl' | 'ocsp', sha256: string) =>
  kind === 'certificate' ? `validation/certificates/${sha256}.cer` : kind === 'crl' ? `validation/crls/${sha256}.crl` : `validation/ocsp/${sha256}.ocsp`;

export interface ManifestFile {
  sha256: string;
  size: number;
}

export interface Manifest {
  format: typeof EVIDENCE_FORMAT;
  contractId: string;
  tenantId: string;
  /** ISO-8601: when the package was made (and sealed). */
  createdAt: string;
  eventLog: { file: string; entries: number; head: string };
  /**
   * The seal's certificates (SHA-256 of each DER, the signer's first): the seal's CMS carries
   * exactly these, so no byte of it is left uncovered (its signature covers the rest).
   */
  seal: { certificates: string[] };
  /** Every file of the package but manifest.json and its seal, by path. */
  files: Record<string, ManifestFile>;
}

export interface RevisionVerdict {
  indication: string;
  subIndication: string | null;
  signatureCount: number;
  reportId: string;
  verifiedAt: string;
}

export interface RevisionEntry {
  id: string;
  parentId: string | null;
  kind: string;
  madeBy: string;
  description: string | null;
  createdAt: string;
  sha256: string;
  size: number;
  verification: RevisionVerdict | null;
}

export interface DocumentEntry {
  documentId: string;
  title: string;
  filename: string;
  headRevisionId: string;
  finalPdf: string;
  /** The report on the head revision, when the verification service had one. */
  report: { revisionId: string; json: string; html: string; indication: string; verifiedAt: string | null } | null;
  revisions: RevisionEntry[];
}

export interface RevisionsFile {
  format: typeof REVISIONS_FORMAT;
  contractId: string;
  tenantId: string;
  documents: DocumentEntry[];
}

export interface EventLogEntryJson {
  seq: number;
  eventId: string;
  type: string;
  /** ISO-8601: the event's own time. */
  time: string;
  subject: string;
  /** The event envelope (jitsuin.events.v1.EventEnvelope), protobuf, base64. */
  protobuf: string;
  /** The same envelope as protobuf JSON, for reading; checked against `protobuf`. */
  event: unknown;
  prevHash: string;
  /** SHA-256, hex, of the canonical JSON of this entry without `hash`. */
  hash: string;
}

export interface EventLogFile {
  format: typeof EVENT_LOG_FORMAT;
  contractId: string;
  tenantId: string;
  hashAlgorithm: 'SHA-256';
  /** The prevHash of the first entry. */
  genesis: string;
  entries: EventLogEntryJson[];
  /** The hash of the last entry (the genesis when there is none). */
  head: string;
}
