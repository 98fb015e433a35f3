import { verify } from 'node:crypto';
import { checkSignedAttributes } from './attributes.js';
import { type CertInput, parseCert, rsaModulusBytes } from './certs.js';
import { padesError } from './errors.js';

/**
 * Step 2 of the card flow, before anything is written: checks that `signatureValue` is an RSA
 * PKCS#1 v1.5 SHA-256 signature by `certificate`'s key over the DER signed attributes. Returns
 * true, or throws an INVALID_ARGUMENT PadesError that says what is wrong (SIGNATURE_LENGTH,
 * SIGNATURE_MISMATCH, UNSUPPORTED_KEY).
 */
export function verifyRawSignature(signedAttrsDer: Uint8Array, signatureValue: Uint8Array, certificate: CertInput): true {
  const attrs = checkSignedAttributes(signedAttrsDer);
  const cert = parseCert(certificate, 'the signer certificate');
  const keyBytes = rsaModulusBytes(cert);
  if (keyBytes === undefined) {
    throw padesError('INVALID_ARGUMENT', 'UNSUPPORTED_KEY', `the certificate's key is ${cert.publicKey.asymmetricKeyType ?? 'of an unknown type'}; signatures here are RSA (PKCS#1 v1.5 with SHA-256), as JPKI cards make them`);
  }
  if (signatureValue.length !== keyBytes) {
    throw padesError('INVALID_ARGUMENT', 'SIGNATURE_LENGTH', `signature value is ${signatureValue.length} bytes, the key needs ${keyBytes}: send the raw RSA signature exactly as the card returned it`);
  }
  if (!verify('sha256', attrs, cert.publicKey, signatureValue)) {
    throw padesError(
      'INVALID_ARGUMENT',
      'SIGNATURE_MISMATCH',
      'the signature does not match this certificate over the prepared data: it was made with another card or key, or over other data (sign the digest this signing session returned)',
    );
  }
  return true;
}
