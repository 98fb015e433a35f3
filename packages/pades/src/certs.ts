import { createHash, type KeyObject, X509Certificate } from 'node:crypto';
import { children, expectTag, isContext, readOid, readOne, TAG } from '@jitsuin/der';
import { padesError } from './errors.js';
import { LIMITS } from './limits.js';

/** Certificate bytes as callers hand them over: DER, or PEM text. */
export type CertificateBytes = Uint8Array | string;

/**
 * A certificate with the parts CMS needs as exact byte slices of its DER: the issuer Name and
 * serial INTEGER (for IssuerAndSerialNumber and ESSCertIDv2, which must match byte for byte),
 * plus node's view for keys, names and chain checks.
 */
export interface Cert {
  der: Buffer;
  x509: X509Certificate;
  /** The issuer Name element (SEQUENCE) as encoded in the certificate. */
  issuerDer: Buffer;
  /** The subject Name element as encoded in the certificate. */
  subjectDer: Buffer;
  /** The serialNumber INTEGER element. */
  serialDer: Buffer;
  /** The serial's content octets, upper-case hex (as node and openssl print it, without sign byte). */
  serialHex: string;
  /** The SubjectPublicKeyInfo element. */
  spkiDer: Buffer;
  /** The subjectPublicKey BIT STRING's key bytes (OCSP issuerKeyHash is over these). */
  publicKeyBits: Buffer;
  /** Extensions by OID: critical flag and the extnValue content (the DER inside the OCTET STRING). */
  extensions: Map<string, { critical: boolean; value: Buffer }>;
  publicKey: KeyObject;
  sha256: Buffer;
}

const PEM = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/g;

/** Every CERTIFICATE block of a PEM text, as DER. */
export function pemCertificates(pem: string): Buffer[] {
  return [...pem.matchAll(PEM)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}

/** A certificate's DER from what callers give: DER (copied), or the first PEM block of a text. */
export function certificateDer(input: CertificateBytes, what: string): Buffer {
  if (typeof input === 'string') {
    const [first] = pemCertificates(input);
    if (!first) throw padesError('INVALID_ARGUMENT', 'BAD_CERTIFICATE', `${what} is text but holds no PEM CERTIFICATE block`);
    return first;
  }
  // A copy: the caller's buffer may be reused after this returns.
  return Buffer.from(input);
}

/** A certificate as callers give it, or already parsed. */
export type CertInput = CertificateBytes | Cert;

/**
 * Certificates parsed lately, by the SHA-256 of their DER: one signing reads the signer's
 * certificate and its chain in several steps (size estimate, signed attributes, signature check,
 * assembly), and parsing (node's X509Certificate and the DER walk) is most of what those cost.
 * Keyed by content, so a caller's buffer changing afterwards cannot alias another certificate.
 */
const parsedCerts = new Map<string, Cert>();
const PARSED_CERTS_KEPT = 64;

/** Parses a certificate (DER or PEM); `what` names it in errors ("the signer's certificate"). */
export function parseCert(input: CertInput, what = 'the certificate'): Cert {
  if (typeof input === 'object' && 'x509' in input) return input;
  const der = certificateDer(input, what);
  if (der.length > LIMITS.certificateBytes) {
    throw padesError('INVALID_ARGUMENT', 'TOO_LARGE', `${what} is ${der.length} bytes; certificates over ${LIMITS.certificateBytes} bytes are refused`);
  }
  const sha256 = createHash('sha256').update(der).digest();
  const key = sha256.toString('latin1');
  const known = parsedCerts.get(key);
  if (known) return known;
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(der);
  } catch (err) {
    throw padesError('INVALID_ARGUMENT', 'BAD_CERTIFICATE', `${what} is not an X.509 certificate`, err);
  }
  const top = readOne(der, what);
  const [tbs] = children(expectTag(top, TAG.sequence, what), what);
  const fields = children(expectTag(tbs, TAG.sequence, what), what);
  let i = isContext(fields[0], 0) ? 1 : 0;
  const serial = expectTag(fields[i++], TAG.integer, what);
  i++; // signature AlgorithmIdentifier
  const issuer = expectTag(fields[i++], TAG.sequence, what);
  i++; // validity
  const subject = expectTag(fields[i++], TAG.sequence, what);
  const spki = expectTag(fields[i++], TAG.sequence, what);
  const [, keyBits] = children(spki, what);
  const bits = expectTag(keyBits, TAG.bitString, what);

  const extensions = new Map<string, { critical: boolean; value: Buffer }>();
  const extsWrapper = fields.slice(i).find((f) => isContext(f, 3));
  if (extsWrapper) {
    const [exts] = children(extsWrapper, what);
    for (const ext of children(expectTag(exts, TAG.sequence, what), what)) {
      const parts = children(ext, what);
      const id = readOid(parts[0]!, what);
      const critical = parts.length === 3 && parts[1]!.tag === TAG.boolean && parts[1]!.content[0] !== 0;
      const value = expectTag(parts[parts.length - 1], TAG.octetString, what).content;
      extensions.set(id, { critical, value });
    }
  }
  const serialContent = serial.content[0] === 0 && serial.content.length > 1 ? serial.content.subarray(1) : serial.content;
  const cert: Cert = {
    der,
    x509,
    issuerDer: issuer.bytes,
    subjectDer: subject.bytes,
    serialDer: serial.bytes,
    serialHex: serialContent.toString('hex').toUpperCase(),
    spkiDer: spki.bytes,
    publicKeyBits: bits.content.subarray(1),
    extensions,
    publicKey: x509.publicKey,
    sha256,
  };
  if (parsedCerts.size >= PARSED_CERTS_KEPT) parsedCerts.delete(parsedCerts.keys().next().value!);
  parsedCerts.set(key, cert);
  return cert;
}

/** RSA modulus length in bytes (what a PKCS#1 v1.5 signature's length must be); undefined for other keys. */
export function rsaModulusBytes(cert: Cert): number | undefined {
  if (cert.publicKey.asymmetricKeyType !== 'rsa') return undefined;
  const bits = cert.publicKey.asymmetricKeyDetails?.modulusLength;
  return bits === undefined ? undefined : Math.ceil(bits / 8);
}

/** Whether `issuer` issued `cert`: names and key identifiers agree and the signature verifies. */
export function issuedBy(cert: Cert, issuer: Cert): boolean {
  try {
    return cert.x509.checkIssued(issuer.x509) && cert.x509.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

export function isSelfSigned(cert: Cert): boolean {
  return cert.issuerDer.equals(cert.subjectDer) && issuedBy(cert, cert);
}

/** Certificates without repeats (same bytes), in first-seen order, minus those in `exclude`. */
export function uniqueCerts(certs: Cert[], exclude: Cert[] = []): Cert[] {
  const seen = new Set(exclude.map((c) => c.sha256.toString('hex')));
  const out: Cert[] = [];
  for (const c of certs) {
    const key = c.sha256.toString('hex');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(c);
  }
  return out;
}
