import { JitsuinError } from '@jitsuin/errors';
import { indicationOf, type SubIndication } from './report.js';

/**
 * A validation failure that carries the ETSI sub-indication it stands for (pyHanko's
 * validation/errors.py idea): a check deep inside throws it, and the report takes the
 * sub-indication and message from it as they are, with no translation table.
 */
export class SignatureValidationError extends Error {
  private readonly explicitIndication: 'TOTAL_FAILED' | 'INDETERMINATE' | undefined;

  constructor(
    readonly subIndication: SubIndication,
    message: string,
    options?: { cause?: unknown; indication?: 'TOTAL_FAILED' | 'INDETERMINATE' },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SignatureValidationError';
    // EXPIRED and NOT_YET_VALID exist under both indications: the check that raises them says which.
    this.explicitIndication = options?.indication;
  }

  get indication(): 'TOTAL_FAILED' | 'INDETERMINATE' {
    return this.explicitIndication ?? indicationOf(this.subIndication);
  }
}

export const formatFailure = (message: string, cause?: unknown) => new SignatureValidationError('FORMAT_FAILURE', message, { cause });
export const hashFailure = (message: string) => new SignatureValidationError('HASH_FAILURE', message);
export const sigCryptoFailure = (message: string, cause?: unknown) => new SignatureValidationError('SIG_CRYPTO_FAILURE', message, { cause });
export const cryptoConstraintsFailure = (message: string) => new SignatureValidationError('CRYPTO_CONSTRAINTS_FAILURE', message);
export const noSigningCertificate = (message: string) => new SignatureValidationError('NO_SIGNING_CERTIFICATE_FOUND', message);
export const signedDataNotFound = (message: string) => new SignatureValidationError('SIGNED_DATA_NOT_FOUND', message);

/** The input cannot be verified at all (not a PDF, damaged beyond reading, too large): INVALID_ARGUMENT. */
export class VerifyInputError extends JitsuinError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_ARGUMENT', message, options);
    this.name = 'VerifyInputError';
  }
}
