import * as asn1js from 'asn1js';
import { children, DerError, expectTag, isContext, readOid, readOne, TAG, type Tlv } from '@jitsuin/der';
import * as pkijs from 'pkijs';
import { invalidArgument } from '@jitsuin/errors';

/** A certificate as pkijs holds it, or its DER bytes. */
export type CertificateInput = pkijs.Certificate | Uint8Array | ArrayBuffer;

/** Parses DER (or passes a parsed certificate through); bad bytes are the caller's mistake. */
export function toCertificate(input: CertificateInput): pkijs.Certificate {
  if (input instanceof pkijs.Certificate) return input;
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const asn1 = asn1js.fromBER(bytes);
  if (asn1.offset === -1) throw invalidArgument('the certificate is not valid DER');
  try {
    return new pkijs.Certificate({ schema: asn1.result });
  } catch {
    throw invalidArgument('the bytes are DER but not an X.509 certificate');
  }
}

export function findExtension(cert: pkijs.Certificate, oid: string): pkijs.Extension | undefined {
  return cert.extensions?.find((e) => e.extnID === oid);
}

/** The DER inside an extension's OCTET STRING, parsed; undefined when it does not parse. */
export function extensionValue(ext: pkijs.Extension): asn1js.AsnType | undefined {
  const asn1 = asn1js.fromBER(ext.extnValue.valueBlock.valueHexView);
  return asn1.offset === -1 ? undefined : asn1.result;
}

/** The certificate's DER: the bytes given, or a pkijs certificate encoded (its tbs as it was signed). */
export function certificateDer(input: CertificateInput): Buffer {
  if (input instanceof pkijs.Certificate) return Buffer.from(input.toSchema().toBER(false));
  return input instanceof Uint8Array ? Buffer.from(input.buffer, input.byteOffset, input.byteLength) : Buffer.from(input);
}

/** The tbsCertificate's elements, read from the DER without building a pkijs Certificate. */
function tbsElements(input: Uint8Array | ArrayBuffer): Tlv[] {
  const bytes = input instanceof Uint8Array ? Buffer.from(input.buffer, input.byteOffset, input.byteLength) : Buffer.from(input);
  const what = 'the certificate';
  const top = readOne(bytes, what);
  const tbs = top.tag === TAG.sequence ? children(top, what)[0] : undefined;
  if (tbs?.tag !== TAG.sequence) throw invalidArgument('the bytes are DER but not an X.509 certificate');
  return children(tbs, what);
}

/** One extension of a certificate: its critical flag and the DER inside its OCTET STRING. */
export interface CertificateExtension {
  critical: boolean;
  value: Buffer;
}

/**
 * What the profile checks and the services read of a certificate, taken from its DER with
 * @jitsuin/der: no object model. Parsing a certificate with pkijs and asn1js costs about 50 ms
 * in a fresh process (2.5 ms warm), which was the largest cold cost of verifying a signature;
 * this walk costs a few hundredths of a millisecond.
 */
export interface CertificateView {
  der: Buffer;
  /** The serialNumber's content octets (two's complement, as encoded). */
  serial: Buffer;
  /** Algorithm OID in the tbsCertificate (the one the issuer signed). */
  tbsSignatureAlgorithm: string;
  /** Algorithm OID outside the tbsCertificate (the one the signature value is made with). */
  signatureAlgorithm: string;
  notBefore: Date;
  notAfter: Date;
  /** The subjectPublicKeyInfo's algorithm OID. */
  publicKeyAlgorithm: string;
  /** The subjectPublicKey BIT STRING's key bytes (without the unused-bits octet). */
  publicKey: Buffer;
  /** By OID; the first of an OID that occurs twice (which DER forbids). */
  extensions: Map<string, CertificateExtension>;
}

const NOT_X509 = 'the bytes are DER but not an X.509 certificate';

function readTime(t: Tlv | undefined): Date {
  const text = t?.content.toString('latin1') ?? '';
  // UTCTime YYMMDDHHMM[SS]Z (RFC 5280: 1950-2049), GeneralizedTime YYYYMMDDHHMMSS[.fff]Z.
  const m = t?.tag === 0x17 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/.exec(text) : t?.tag === TAG.generalizedTime ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/.exec(text) : null;
  if (!m) throw invalidArgument(NOT_X509);
  const y = Number(m[1]);
  const year = t!.tag === 0x17 ? (y < 50 ? 2000 + y : 1900 + y) : y;
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)));
}

function algorithmOid(t: Tlv | undefined, what: string): string {
  return readOid(expectTag(children(expectTag(t, TAG.sequence, what), what)[0], TAG.oid, what), what);
}

/**
 * Reads a certificate's DER (or a pkijs certificate's encoding). Bytes that are not DER, or
 * not a certificate, are the caller's mistake (INVALID_ARGUMENT), with toCertificate's words.
 */
export function readCertificate(input: CertificateInput): CertificateView {
  const der = certificateDer(input);
  const what = 'the certificate';
  let top: Tlv;
  try {
    top = readOne(der, what);
  } catch (err) {
    if (err instanceof DerError) throw invalidArgument('the certificate is not valid DER');
    throw err;
  }
  try {
    const [tbs, sigAlg, sigValue] = children(expectTag(top, TAG.sequence, what), what);
    expectTag(sigValue, TAG.bitString, what);
    const elements = children(expectTag(tbs, TAG.sequence, what), what);
    // [0] version (optional), serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, [1] [2] [3] (optional).
    let i = isContext(elements[0], 0) ? 1 : 0;
    const serial = expectTag(elements[i++], TAG.integer, what).content;
    const tbsSignatureAlgorithm = algorithmOid(elements[i++], what);
    expectTag(elements[i++], TAG.sequence, what); // issuer
    const validity = children(expectTag(elements[i++], TAG.sequence, what), what);
    expectTag(elements[i++], TAG.sequence, what); // subject
    const [spkiAlg, spkiKey] = children(expectTag(elements[i++], TAG.sequence, what), what);
    const publicKeyAlgorithm = algorithmOid(spkiAlg, what);
    const publicKey = expectTag(spkiKey, TAG.bitString, what).content.subarray(1);
    const extensions = new Map<string, CertificateExtension>();
    const tagged = elements.slice(i).find((e) => isContext(e, 3));
    if (tagged) {
      for (const ext of children(expectTag(children(tagged, what)[0], TAG.sequence, what), what)) {
        const parts = children(expectTag(ext, TAG.sequence, what), what);
        const oid = readOid(expectTag(parts[0], TAG.oid, what), what);
        const critical = parts.length === 3 && expectTag(parts[1], TAG.boolean, what).content[0] !== 0;
        const value = Buffer.from(expectTag(parts.at(-1), TAG.octetString, what).content);
        if (!extensions.has(oid)) extensions.set(oid, { critical, value });
      }
    }
    return {
      der,
      serial,
      tbsSignatureAlgorithm,
      signatureAlgorithm: algorithmOid(sigAlg, what),
      notBefore: readTime(validity[0]),
      notAfter: readTime(validity[1]),
      publicKeyAlgorithm,
      publicKey,
      extensions,
    };
  } catch (err) {
    if (err instanceof DerError) throw invalidArgument(NOT_X509);
    throw err;
  }
}

/**
 * The serial number's content octets as upper-case hex, as encoded (a leading 00 sign octet
 * kept, as pkijs' valueHex has it): identifies the certificate, not the person.
 */
export function serialHexOf(input: CertificateInput): string {
  return readCertificate(input).serial.toString('hex').toUpperCase();
}

/**
 * The DER value of one extension of a certificate, found by walking its DER (tbsCertificate,
 * then its [3] extensions) with our small DER reader rather than pkijs or asn1js: reading the
 * basic-4 facts happens on every signing, and in a fresh process asn1js takes about 5 ms for
 * its first certificate (1.4 ms after), the DER walk well under one.
 */
export function extensionValueOf(input: CertificateInput, oid: string): Buffer | undefined {
  if (input instanceof pkijs.Certificate) {
    const ext = findExtension(input, oid);
    return ext && Buffer.from(ext.extnValue.valueBlock.valueHexView);
  }
  const what = "the certificate's extensions";
  const tagged = tbsElements(input).find((e) => isContext(e, 3));
  if (!tagged) return undefined;
  for (const ext of children(expectTag(children(tagged, what)[0], TAG.sequence, what), what)) {
    const parts = children(expectTag(ext, TAG.sequence, what), what);
    if (readOid(expectTag(parts[0], TAG.oid, what), what) !== oid) continue;
    return Buffer.from(expectTag(parts.at(-1), TAG.octetString, what).content);
  }
  return undefined;
}

const STRING_DECODERS: Record<number, (content: Buffer) => string> = {
  0x0c: (c) => c.toString('utf8'), // UTF8String
  0x13: (c) => c.toString('latin1'), // PrintableString
  0x16: (c) => c.toString('latin1'), // IA5String
  0x1e: (c) => Buffer.from(c).swap16().toString('utf16le'), // BMPString (UTF-16BE)
};

/** The text of a directory string element (UTF8String, PrintableString, IA5String, BMPString). */
export function directoryString(element: Tlv): string | undefined {
  const decode = STRING_DECODERS[element.tag];
  return decode && !(element.tag === 0x1e && element.content.length % 2 !== 0) ? decode(element.content) : undefined;
}

/** The first value of one attribute type (e.g. CN 2.5.4.3) of the certificate's subject, as text. */
export function subjectAttributeOf(input: Uint8Array | ArrayBuffer, type: string): string | undefined {
  const what = "the certificate's subject";
  const elements = tbsElements(input);
  // tbsCertificate: [0] version (optional), serialNumber, signature, issuer, validity, subject.
  const subject = elements[isContext(elements[0], 0) ? 5 : 4];
  for (const rdn of children(expectTag(subject, TAG.sequence, what), what)) {
    for (const atv of children(expectTag(rdn, TAG.set, what), what)) {
      const [id, value] = children(expectTag(atv, TAG.sequence, what), what);
      if (readOid(expectTag(id, TAG.oid, what), what) === type && value) return directoryString(value);
    }
  }
  return undefined;
}
