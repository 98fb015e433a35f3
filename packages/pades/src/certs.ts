import { createHash, type KeyObject, X509Certificate } from 'node:crypto';
import { type Certificate, readCertificate, readOne } from '@jitsuin/der';
import { padesError } from './errors.js';
import { LIMITS } from './limits.js';

/** Certificate bytes as callers hand them over: DER, or PEM text. */
export type CertificateBytes = Uint8Array | string;

/**
 * A certificate as @jitsuin/der's readCertificate reads it (the parts CMS needs as exact byte
 * slices of its DER), plus node's view for keys, names and chain checks.
 */
export interface Cert extends Certificate {
  x509: X509Certificate;
  /** The serial's content octets, upper-case hex (as node and openssl print it, without sign byte). */
  serialHex: string;
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
  const fields = readCertificate(readOne(der, what), what);
  const serial = fields.serial[0] === 0 && fields.serial.length > 1 ? fields.serial.subarray(1) : fields.serial;
  const cert: Cert = { ...fields, x509, serialHex: serial.toString('hex').toUpperCase(), publicKey: x509.publicKey, sha256 };
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
