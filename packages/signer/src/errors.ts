import { type ErrorKind, JitsuinError } from '@jitsuin/errors';

/**
 * What went wrong while signing a PDF. Errors from @jitsuin/pades (PadesError: signature value,
 * timestamps, revocation data) pass through unchanged, with their own codes; what the PDF layer
 * says becomes one of the PDF_* codes here, so a caller can tell an encrypted file from a broken
 * one without reading the text.
 */
export type SignerErrorCode =
  /** The request itself is wrong (level, placement, field name, options). */
  | 'BAD_REQUEST'
  /** The PDF is encrypted: it cannot be signed without rewriting it. */
  | 'PDF_ENCRYPTED'
  /** The PDF cannot be read: no header, broken xref, damaged objects. */
  | 'PDF_UNREADABLE'
  /** The PDF is too large or too deep for the limits (decompressed streams, nesting). */
  | 'PDF_TOO_LARGE'
  /** The document does not allow this signature (locked, certified P=1, field already signed, certification not first). */
  | 'NOT_ALLOWED'
  /** completeSignature got another certificate than the one prepared. */
  | 'CERTIFICATE_MISMATCH'
  /** completeSignature got another PDF than the one prepared against. */
  | 'BASE_MISMATCH'
  /** The pending signature is damaged (its parts do not agree with each other). */
  | 'PENDING_CORRUPT'
  /** A timestamp is needed for this level and no TSA URL was given. */
  | 'TSA_REQUIRED'
  /** extend found nothing to extend. */
  | 'NO_SIGNATURES'
  /** An existing signature's /Contents is not a CMS signature or timestamp token. */
  | 'BAD_SIGNATURE_CONTENTS';

export class SignerError extends JitsuinError {
  constructor(
    kind: ErrorKind,
    readonly code: SignerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(kind, message, options);
    this.name = 'SignerError';
  }
}

export const signerError = (kind: ErrorKind, code: SignerErrorCode, message: string, cause?: unknown) =>
  new SignerError(kind, code, message, cause === undefined ? undefined : { cause });

export const badRequest = (message: string) => signerError('INVALID_ARGUMENT', 'BAD_REQUEST', message);

/**
 * Runs a step of the PDF layer and gives its typed errors a signer code. PadesErrors, DerErrors
 * and SignerErrors pass through; anything that is not a JitsuinError is a bug and passes through too.
 */
export function pdfStep<T>(what: string, step: () => T): T {
  try {
    return step();
  } catch (err) {
    throw fromPdfError(err, what);
  }
}

export function fromPdfError(err: unknown, what: string): unknown {
  if (!(err instanceof JitsuinError) || err instanceof SignerError || err.name === 'PadesError' || err.name === 'DerError') return err;
  const m = err.message;
  switch (err.kind) {
    case 'FAILED_PRECONDITION':
      if (/encrypted/i.test(m)) return signerError('FAILED_PRECONDITION', 'PDF_ENCRYPTED', `${what}: the PDF is encrypted (password-protected or with permissions set); save an unencrypted copy and sign that`, err);
      return signerError('FAILED_PRECONDITION', 'NOT_ALLOWED', `the document does not allow this signature: ${m}`, err);
    case 'RESOURCE_EXHAUSTED':
      return signerError('RESOURCE_EXHAUSTED', 'PDF_TOO_LARGE', `${what}: ${m}`, err);
    case 'INVALID_ARGUMENT':
      if (/^invalid PDF:/.test(m)) return signerError('INVALID_ARGUMENT', 'PDF_UNREADABLE', `${what}: the file cannot be read as a PDF (${m.replace(/^invalid PDF: /, '')})`, err);
      return signerError('INVALID_ARGUMENT', 'BAD_REQUEST', m, err);
    default:
      return err;
  }
}
