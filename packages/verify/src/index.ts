/**
 * @jitsuin/verify: PAdES verification (issue 4). verifyPdf is the one entry point the
 * verification service and the CLI call: integrity (ByteRange, coverage, CMS), the chain to
 * configured trust anchors, revocation through the sources it is given, timestamps as proofs of
 * existence, the PAdES level, the JPKI facts and revocation meaning, and what changed after each
 * signature (analyseModifications), as one JSON report.
 * verifyPdfIntegrity is the integrity layer alone (no I/O, never better than INDETERMINATE).
 */
export type * from './report.js';
export { indicationOf } from './report.js';
export { SignatureValidationError, VerifyInputError } from './errors.js';
export { checkByteRange, coverageOf, type IntegrityOptions, pdfDateToIso, SUB_FILTERS, verdict, verifyPdfIntegrity } from './integrity.js';
export { type PdfInput, verifyPdf, type VerifyOptions } from './verify.js';
export {
  analyseModifications,
  type ChangeKind,
  type ModificationChange,
  type ModificationFinding,
  type ModificationOptions,
  type SignedRevisionRef,
} from './modifications.js';
export {
  crlRevocationSource,
  defaultRevocationSources,
  describeEvidence,
  dssRevocationSource,
  type HttpSourceOptions,
  type JpkiIssuerEndpoints,
  jpkiRevocationSource,
  ocspRevocationSource,
  type RevocationEvidence,
  type RevocationQuery,
  type RevocationSource,
  revocationStatusAt,
  type StatusAnswer,
  type StatusQuestion,
} from './revocation.js';
export { type JpkiEndpointSetting, loadJpkiEndpoints, optionalUrl, parseJpkiEndpoints } from './jpki-endpoints.js';
export { renderReportText, type TextRenderOptions, terminalSafe } from './render/text.js';
export { escapeHtml, renderReportHtml, REPORT_STYLE_HASH } from './render/html.js';
export { describeReport, type Lang, type Line, meaningWords, type Phrase, type ReportWords, type SignatureWords, timeWords, type Tone } from './render/words.js';
export { buildChain, type Chain, CertificateStore, readCertificates } from './chain.js';
export { type DssContents, readDss } from './dss.js';
