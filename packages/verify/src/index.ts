/**
 * @jitsuin/verify: PAdES verification (issue 4). This first layer checks integrity only: the
 * signatures found through the AcroForm, their ByteRange and coverage, the digest and the CMS
 * signature. Chain, revocation and modification analysis come next; until then no signature is
 * reported better than INDETERMINATE.
 */
export type * from './report.js';
export { indicationOf } from './report.js';
export { SignatureValidationError, VerifyInputError } from './errors.js';
export { checkByteRange, coverageOf, type IntegrityOptions, pdfDateToIso, SUB_FILTERS, verdict, verifyPdfIntegrity } from './integrity.js';
