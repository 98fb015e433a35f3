import { createHash } from 'node:crypto';
import { type CertificateBytes, parseCert } from './certs.js';
import { children, explicit, expectTag, octets, oid, readOid, readOne, seq, set, setOf, TAG } from '@jitsuin/der';
import { padesError } from './errors.js';
import { LIMITS } from './limits.js';
import { OID, SHA256_DIGEST_INFO_PREFIX } from './oids.js';

export interface SignedAttributesInput {
  /** SHA-256 of the signed content (for PAdES: of the ByteRange), 32 bytes. */
  documentDigest: Uint8Array;
  /** The signer's certificate (DER or PEM): it goes into signing-certificate-v2. */
  signerCertificate: CertificateBytes;
  /** The content type the signature claims; id-data for PAdES (the default). */
  contentType?: string;
}

export interface SignedAttributes {
  /** DER of the SET OF Attribute: what the signature covers, byte for byte. */
  der: Buffer;
  /** SHA-256 of `der`. */
  digest: Buffer;
  /** DER DigestInfo { sha256, digest }: what a JPKI card (or any PKCS#1 v1.5 signer) pads and signs. */
  digestInfo: Buffer;
}

const attribute = (type: string, value: Uint8Array) => seq(oid(type), set(value));

/**
 * ESS signing-certificate-v2 (RFC 5035): one ESSCertIDv2 with the SHA-256 hash of the certificate
 * (hashAlgorithm left at its DEFAULT sha256, so omitted in DER) and issuerSerial, whose issuer is
 * a GeneralNames holding the certificate's issuer Name as a directoryName ([4] EXPLICIT).
 */
export function signingCertificateV2Value(certificate: CertificateBytes): Buffer {
  const cert = parseCert(certificate, "the signer's certificate");
  const issuerSerial = seq(seq(explicit(4, cert.issuerDer)), cert.serialDer);
  const essCertIdV2 = seq(octets(cert.sha256), issuerSerial);
  return seq(seq(essCertIdV2));
}

/** DER DigestInfo of a SHA-256 digest. */
export function sha256DigestInfo(digest: Uint8Array): Buffer {
  if (digest.length !== 32) throw padesError('INVALID_ARGUMENT', 'NOT_DIGEST_INFO', `a SHA-256 digest is 32 bytes, not ${digest.length}`);
  return Buffer.concat([SHA256_DIGEST_INFO_PREFIX, digest]);
}

/**
 * Step 1 of a signature: the CAdES signed attributes for a detached PAdES signature, as the DER
 * SET the signature covers. content-type, message-digest and signing-certificate-v2; no
 * signing-time (PAdES puts the claimed time in the signature dictionary's /M).
 */
export function buildSignedAttributes(input: SignedAttributesInput): SignedAttributes {
  if (!(input.documentDigest instanceof Uint8Array) || input.documentDigest.length !== 32) {
    throw padesError('INVALID_ARGUMENT', 'BAD_DER', `the document digest must be the 32-byte SHA-256 of the signed bytes, not ${input.documentDigest?.length ?? 'nothing'}`);
  }
  const der = setOf([
    attribute(OID.contentType, oid(input.contentType ?? OID.data)),
    attribute(OID.messageDigest, octets(input.documentDigest)),
    attribute(OID.signingCertificateV2, signingCertificateV2Value(input.signerCertificate)),
  ]);
  const digest = createHash('sha256').update(der).digest();
  return { der, digest, digestInfo: sha256DigestInfo(digest) };
}

export interface Attribute {
  type: string;
  /** The DER of each value in the attribute's SET. */
  values: Buffer[];
  /** The whole Attribute element. */
  der: Buffer;
}

/** Reads a SET OF Attribute (tagged SET or [0]/[1] IMPLICIT) into its attributes. */
export function parseAttributes(der: Buffer, what: string): Attribute[] {
  const top = readOne(der, what);
  if (!top.constructed) throw padesError('INVALID_ARGUMENT', 'BAD_DER', `${what} is not a SET of attributes`);
  return children(top, what).map((a) => {
    const [type, values] = children(expectTag(a, TAG.sequence, what), what);
    return { type: readOid(type!, what), values: children(expectTag(values, TAG.set, what), what).map((v) => Buffer.from(v.bytes)), der: Buffer.from(a.bytes) };
  });
}

/** Checks bytes handed back for assembly: a DER SET of attributes, within bounds. */
export function checkSignedAttributes(der: Uint8Array): Buffer {
  const buf = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  if (buf.length > LIMITS.signedAttributesBytes) {
    throw padesError('INVALID_ARGUMENT', 'TOO_LARGE', `the signed attributes are ${buf.length} bytes; more than ${LIMITS.signedAttributesBytes} is refused`);
  }
  const top = readOne(buf, 'the signed attributes');
  if (top.tag !== TAG.set || top.indefinite) throw padesError('INVALID_ARGUMENT', 'BAD_DER', 'the signed attributes must be the DER SET returned by buildSignedAttributes');
  const attrs = parseAttributes(buf, 'the signed attributes');
  for (const required of [OID.contentType, OID.messageDigest]) {
    if (attrs.filter((a) => a.type === required).length !== 1) {
      throw padesError('INVALID_ARGUMENT', 'BAD_DER', `the signed attributes must hold exactly one ${required === OID.contentType ? 'content-type' : 'message-digest'} attribute`);
    }
  }
  return buf;
}
