import { buildSignedAttributes } from './attributes.js';
import { type CertificateBytes, parseCert, rsaModulusBytes } from './certs.js';
import { padesError } from './errors.js';
import { OID } from './oids.js';
import { encodeDetachedSignedData } from './signed-data.js';

/**
 * Placeholder sizing. The B-B part is exact: the signed attributes have a fixed size for a given
 * certificate, the signature value is the modulus length, and the certificates are known, so the
 * SignedData is assembled once with placeholder values and measured. The signature timestamp is
 * the unknown: its size is measured from the TSA (probeTimestampTokenSize) or assumed.
 *
 * Margin, documented: on top of the token estimate we add the unsigned-attribute wrapping
 * (64 bytes; the real figure is about 30) and max(1024 bytes, 25% of the token). A TSA's tokens
 * vary between requests by a few bytes (serial and nonce lengths, fractional genTime, accuracy)
 * and more when it rotates its certificate or key (a 2048-bit to 4096-bit key adds 256 bytes
 * to the signature and about as much to the certificate); 25% covers that, 1 KiB covers small
 * tokens. Without a measurement we assume 10 KiB for the token, enough for a TSA that sends
 * a chain of four 2 KiB certificates with a 4096-bit key.
 */

export const UNMEASURED_TIMESTAMP_TOKEN_BYTES = 10 * 1024;
const UNSIGNED_ATTRIBUTE_WRAPPING = 64;

export interface SizeEstimateInput {
  signerCertificate: CertificateBytes;
  /** The chain that will be embedded (as given to assembleSignedData). */
  certificates?: CertificateBytes[];
  /**
   * The signature timestamp to leave room for: false for B-B only; otherwise the measured token
   * size (`tokenBytes`, e.g. from probeTimestampTokenSize) or, without it, the TSA's certificates
   * to estimate from, or nothing (UNMEASURED_TIMESTAMP_TOKEN_BYTES).
   */
  timestamp?: false | { tokenBytes?: number; tsaCertificates?: CertificateBytes[] };
}

export interface SizeEstimate {
  /** Upper bound of the DER size in bytes (the PDF /Contents needs twice this in hex). */
  bytes: number;
  /** Exact size of the B-B SignedData. */
  signedData: number;
  /** Bytes set aside for the timestamp token (estimate plus wrapping). */
  timestamp: number;
  margin: number;
}

/** A token's size from the TSA's certificates: TSTInfo, signed attributes, SignerInfo, signature. */
function tokenFromCertificates(certs: CertificateBytes[]): number {
  const parsed = certs.map((c) => parseCert(c, 'a TSA certificate'));
  const keyBytes = Math.max(512, ...parsed.map((c) => rsaModulusBytes(c) ?? 512));
  return parsed.reduce((n, c) => n + c.der.length, 0) + keyBytes + 1536;
}

export function estimateSignatureSize(input: SizeEstimateInput): SizeEstimate {
  const signer = parseCert(input.signerCertificate, "the signer's certificate");
  const keyBytes = rsaModulusBytes(signer);
  if (keyBytes === undefined) throw padesError('INVALID_ARGUMENT', 'UNSUPPORTED_KEY', "the signer's key is not RSA");
  const attrs = buildSignedAttributes({ documentDigest: Buffer.alloc(32), signerCertificate: signer.der });
  const chain = (input.certificates ?? []).map((c, i) => parseCert(c, `certificate ${i + 1} of the chain`));
  const signedData = encodeDetachedSignedData({ signedAttrsDer: attrs.der, contentType: OID.data, signatureValue: Buffer.alloc(keyBytes, 0xff), signer, chain }).length;
  if (input.timestamp === false) return { bytes: signedData, signedData, timestamp: 0, margin: 0 };
  const t = input.timestamp ?? {};
  if (t.tokenBytes !== undefined && (!Number.isInteger(t.tokenBytes) || t.tokenBytes <= 0 || t.tokenBytes > 256 * 1024)) {
    throw padesError('INVALID_ARGUMENT', 'TOO_LARGE', `a timestamp token of ${t.tokenBytes} bytes is not plausible`);
  }
  const token = t.tokenBytes ?? (t.tsaCertificates?.length ? tokenFromCertificates(t.tsaCertificates) : UNMEASURED_TIMESTAMP_TOKEN_BYTES);
  const margin = Math.max(1024, Math.ceil(token * 0.25));
  const timestamp = token + UNSIGNED_ATTRIBUTE_WRAPPING;
  return { bytes: signedData + timestamp + margin, signedData, timestamp, margin };
}

/** The /Contents of a document timestamp (B-LTA) is the token alone: its bound, same margin rule. */
export function estimateDocumentTimestampSize(o: { tokenBytes?: number; tsaCertificates?: CertificateBytes[] } = {}): number {
  const token = o.tokenBytes ?? (o.tsaCertificates?.length ? tokenFromCertificates(o.tsaCertificates) : UNMEASURED_TIMESTAMP_TOKEN_BYTES);
  return token + Math.max(1024, Math.ceil(token * 0.25));
}
