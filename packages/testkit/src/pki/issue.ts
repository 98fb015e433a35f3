import { randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { ensurePkiEngine } from '@jitsuin/jpki';
import { authorityKeyIdentifier, subjectKeyIdentifier } from './extensions.js';
import { keyIdentifier, publicKeyInfo } from './keys.js';
import { ab } from './pem.js';

/** Who signs a certificate or CRL: its certificate (for name and key identifier) and key. */
export interface Issuer {
  cert: pkijs.Certificate;
  key: CryptoKey;
}

export interface IssueRequest {
  subject: pkijs.RelativeDistinguishedNames;
  /** SubjectPublicKeyInfo DER of the subject's key. */
  spki: Uint8Array;
  /** Undefined for a self-signed certificate; then `selfKey` signs. */
  issuer?: Issuer;
  selfKey?: CryptoKey;
  serial: Buffer;
  notBefore: Date;
  notAfter: Date;
  /** Extensions beyond subject/authority key identifiers, which are added here. */
  extensions: pkijs.Extension[];
}

/** A positive, non-zero 8-byte serial (RFC 5280: positive, at most 20 octets). */
export function newSerial(): Buffer {
  const s = randomBytes(8);
  s[0] = (s[0]! & 0x7f) | 0x10;
  return s;
}

/** Certificates and CRLs carry whole seconds; UTCTime until 2049, GeneralizedTime after. */
export function certTime(date: Date): pkijs.Time {
  const value = new Date(Math.floor(date.getTime() / 1000) * 1000);
  return new pkijs.Time({ type: value.getUTCFullYear() >= 2050 ? 1 : 0, value });
}

export function serialHex(cert: pkijs.Certificate): string {
  return Buffer.from(cert.serialNumber.valueBlock.valueHexView).toString('hex').toUpperCase();
}

export function certKeyId(cert: pkijs.Certificate): Buffer {
  return keyIdentifier(cert.subjectPublicKeyInfo);
}

/** Issues an X.509 v3 certificate signed with sha256WithRSAEncryption. */
export async function issueCertificate(req: IssueRequest): Promise<pkijs.Certificate> {
  ensurePkiEngine();
  const spki = publicKeyInfo(req.spki);
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ valueHex: ab(req.serial) });
  cert.subject = req.subject;
  cert.issuer = req.issuer ? req.issuer.cert.subject : req.subject;
  cert.notBefore = certTime(req.notBefore);
  cert.notAfter = certTime(req.notAfter);
  cert.subjectPublicKeyInfo = spki;
  cert.extensions = [
    ...req.extensions,
    subjectKeyIdentifier(keyIdentifier(spki)),
    ...(req.issuer ? [authorityKeyIdentifier(certKeyId(req.issuer.cert))] : []),
  ];
  const key = req.issuer?.key ?? req.selfKey;
  if (!key) throw new Error('a self-signed certificate needs selfKey');
  await cert.sign(key, 'SHA-256');
  return cert;
}

export function certDer(cert: pkijs.Certificate): Buffer {
  return Buffer.from(cert.toSchema().toBER(false));
}

export function parseCert(der: Uint8Array): pkijs.Certificate {
  return new pkijs.Certificate({ schema: asn1js.fromBER(der).result });
}
