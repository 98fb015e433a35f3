import { type ErrorKind, JitsuinError } from '@jitsuin/errors';

/**
 * What went wrong in CMS signing, timestamping or revocation collection. The kind decides the
 * transport status (packages/rpc); the code lets a caller tell cases apart without reading text.
 */
export type PadesErrorCode =
  /** Bytes that are not the DER they should be (CMS, certificate, attributes, token). */
  | 'BAD_DER'
  /** An input larger than the limits here (DER size, certificate count). */
  | 'TOO_LARGE'
  | 'BAD_CERTIFICATE'
  /** The key is not RSA: the card flow and the seals here sign RSA PKCS#1 v1.5 only. */
  | 'UNSUPPORTED_KEY'
  | 'NOT_DIGEST_INFO'
  /** A signature value whose length is not the key's. */
  | 'SIGNATURE_LENGTH'
  /** A signature value that does not verify with the certificate over the signed attributes. */
  | 'SIGNATURE_MISMATCH'
  | 'KEY_CERTIFICATE_MISMATCH'
  | 'P12_PASSWORD'
  | 'P12_FORMAT'
  | 'P12_UNSUPPORTED'
  | 'P12_NO_KEY'
  /** HTTP to a TSA, OCSP responder or CRL server failed (unreachable, status, timeout, size). */
  | 'HTTP_UNREACHABLE'
  | 'HTTP_TIMEOUT'
  | 'HTTP_STATUS'
  | 'HTTP_TOO_LARGE'
  /** The TSA said no (PKIStatus rejection, waiting, ...). */
  | 'TSA_REJECTED'
  /** The TSA's answer does not check out (nonce, imprint, signature, certificate). */
  | 'TSA_BAD_TOKEN'
  /** A timestamp token is for other data than the signature it is added to. */
  | 'TIMESTAMP_MISMATCH'
  | 'OCSP_BAD_RESPONSE'
  | 'CRL_BAD'
  | 'NO_REVOCATION_DATA'
  | 'ISSUER_NOT_FOUND';

export class PadesError extends JitsuinError {
  constructor(
    kind: ErrorKind,
    readonly code: PadesErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(kind, message, options);
    this.name = 'PadesError';
  }
}

export const padesError = (kind: ErrorKind, code: PadesErrorCode, message: string, cause?: unknown) =>
  new PadesError(kind, code, message, cause === undefined ? undefined : { cause });
