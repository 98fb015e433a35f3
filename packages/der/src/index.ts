import { JitsuinError } from '@jitsuin/errors';

/**
 * Bytes that are not the DER they should be: a certificate, CMS, signed attributes, a token.
 * Always the caller's input, so INVALID_ARGUMENT.
 */
export class DerError extends JitsuinError {
  readonly code = 'BAD_DER';
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
    this.name = 'DerError';
  }
}

/**
 * A small, bounded TLV reader and DER writer. The CMS structures here are assembled from exact
 * byte slices (the signed attributes a signature covers, certificates as their issuer encoded
 * them), so they are read and written at the byte level rather than through an object model that
 * might re-encode them.
 */

export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  enumerated: 0x0a,
  utf8String: 0x0c,
  sequence: 0x30,
  set: 0x31,
  utcTime: 0x17,
  generalizedTime: 0x18,
} as const;

export const CLASS = { universal: 0, application: 1, context: 2, private: 3 } as const;

/** One element as it sits in its buffer. */
export interface Tlv {
  /** Tag class (0 universal, 1 application, 2 context, 3 private). */
  cls: number;
  constructed: boolean;
  tagNumber: number;
  /** The identifier octet for low tag numbers (< 31); -1 for the multi-byte form. */
  tag: number;
  /** The whole element (identifier, length, content, end-of-contents for indefinite lengths). */
  bytes: Buffer;
  /** The content octets only. */
  content: Buffer;
  /** The length was indefinite (BER): the element is not DER. */
  indefinite: boolean;
}

const MAX_DEPTH = 48;

function fail(what: string, message: string): never {
  throw new DerError(`${what} is not valid DER: ${message}`);
}

/**
 * Reads the element at `offset`. BER indefinite lengths are accepted for constructed elements
 * (some signers write them); everything else must be well formed and inside the buffer.
 */
export function readTlv(buf: Buffer, offset = 0, what = 'the data', depth = 0): Tlv {
  if (depth > MAX_DEPTH) fail(what, `nesting deeper than ${MAX_DEPTH} levels`);
  const start = offset;
  if (offset >= buf.length) fail(what, 'it ends where an element should start');
  const id = buf[offset++]!;
  const cls = id >> 6;
  const constructed = (id & 0x20) !== 0;
  let tagNumber = id & 0x1f;
  if (tagNumber === 0x1f) {
    tagNumber = 0;
    for (let i = 0; ; i++) {
      if (offset >= buf.length || i > 3) fail(what, 'a tag number is too long');
      const b = buf[offset++]!;
      tagNumber = tagNumber * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
  }
  if (offset >= buf.length) fail(what, 'it ends inside an element header');
  const first = buf[offset++]!;
  if (first === 0x80) {
    if (!constructed) fail(what, 'a primitive element has an indefinite length');
    const contentStart = offset;
    for (;;) {
      if (offset + 1 < buf.length && buf[offset] === 0 && buf[offset + 1] === 0) {
        const content = buf.subarray(contentStart, offset);
        offset += 2;
        return { cls, constructed, tagNumber, tag: tagNumber < 31 ? id : -1, bytes: buf.subarray(start, offset), content, indefinite: true };
      }
      const child = readTlv(buf, offset, what, depth + 1);
      offset += child.bytes.length;
    }
  }
  let length: number;
  if (first < 0x80) {
    length = first;
  } else {
    const n = first & 0x7f;
    if (n > 4) fail(what, 'an element claims more than 4 GiB');
    if (offset + n > buf.length) fail(what, 'it ends inside a length');
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + buf[offset++]!;
  }
  if (offset + length > buf.length) fail(what, `an element of ${length} bytes runs past the end (${buf.length - offset} left)`);
  const content = buf.subarray(offset, offset + length);
  return { cls, constructed, tagNumber, tag: tagNumber < 31 ? id : -1, bytes: buf.subarray(start, offset + length), content, indefinite: false };
}

/** Reads exactly one element filling `buf` (trailing bytes are an error). */
export function readOne(buf: Buffer, what: string): Tlv {
  const tlv = readTlv(buf, 0, what);
  if (tlv.bytes.length !== buf.length) fail(what, `${buf.length - tlv.bytes.length} bytes follow the element`);
  return tlv;
}

/** The elements inside a constructed element. */
export function children(tlv: Tlv, what = 'the data', depth = 1): Tlv[] {
  if (!tlv.constructed) fail(what, 'a primitive element where a constructed one was expected');
  const out: Tlv[] = [];
  let offset = 0;
  while (offset < tlv.content.length) {
    const child = readTlv(tlv.content, offset, what, depth);
    out.push(child);
    offset += child.bytes.length;
  }
  return out;
}

export function expectTag(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (!tlv) fail(what, 'an element is missing');
  if (tlv.tag !== tag) fail(what, `expected tag 0x${tag.toString(16)}, found 0x${tlv.tag.toString(16)}`);
  return tlv;
}

export function isContext(tlv: Tlv | undefined, n: number): tlv is Tlv {
  return tlv !== undefined && tlv.cls === CLASS.context && tlv.tagNumber === n;
}

// ---------------------------------------------------------------------------------------------
// Writing

function lengthOctets(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** An element with a low tag number from its identifier octet and content. */
export function tlv(tag: number, ...content: Uint8Array[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), lengthOctets(body.length), body]);
}

export const seq = (...content: Uint8Array[]) => tlv(TAG.sequence, ...content);
export const set = (...content: Uint8Array[]) => tlv(TAG.set, ...content);
/** A DER SET OF: elements ordered by their encodings. */
export const setOf = (elements: Uint8Array[]) => tlv(TAG.set, ...[...elements].map((e) => Buffer.from(e)).sort(Buffer.compare));
export const octets = (bytes: Uint8Array) => tlv(TAG.octetString, bytes);
export const nul = () => Buffer.from([TAG.null, 0]);
/** [n] EXPLICIT (constructed, context class). */
export const explicit = (n: number, ...content: Uint8Array[]) => tlv(0xa0 | n, ...content);
/** The same element with its identifier octet replaced (IMPLICIT tagging of an encoded element). */
export function retag(element: Uint8Array, tag: number): Buffer {
  const copy = Buffer.from(element);
  copy[0] = tag;
  return copy;
}

/** INTEGER from an unsigned big-endian magnitude (minimal, positive). */
export function uint(bytes: Uint8Array): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  let body = Buffer.from(bytes.subarray(i));
  if (body.length === 0) body = Buffer.from([0]);
  if (body[0]! & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return tlv(TAG.integer, body);
}

export function smallInt(n: number): Buffer {
  const hex = n.toString(16);
  return uint(Buffer.from(hex.length % 2 === 1 ? `0${hex}` : hex, 'hex'));
}

export function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map((p) => {
    if (!/^\d+$/.test(p)) throw new Error(`bad OID ${dotted}`);
    return BigInt(p);
  });
  if (parts.length < 2) throw new Error(`bad OID ${dotted}`);
  const arcs = [parts[0]! * 40n + parts[1]!, ...parts.slice(2)];
  const out: number[] = [];
  for (const arc of arcs) {
    const group: number[] = [];
    let v = arc;
    do {
      group.unshift(Number(v & 0x7fn));
      v >>= 7n;
    } while (v > 0n);
    for (let i = 0; i < group.length - 1; i++) group[i]! |= 0x80;
    out.push(...group);
  }
  return tlv(TAG.oid, Buffer.from(out));
}

export function readOid(t: Tlv, what: string): string {
  expectTag(t, TAG.oid, what);
  const b = t.content;
  if (b.length === 0 || (b[b.length - 1]! & 0x80) !== 0) fail(what, 'a malformed object identifier');
  const arcs: bigint[] = [];
  let v = 0n;
  for (const byte of b) {
    v = (v << 7n) | BigInt(byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(v);
      v = 0n;
    }
  }
  const first = arcs[0]!;
  const head = first < 80n ? [first / 40n, first % 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}

/** AlgorithmIdentifier { oid, params? }: `withNull` writes the NULL parameters RSA algorithms need. */
export const algorithm = (dotted: string, withNull = false) => seq(oid(dotted), ...(withNull ? [nul()] : []));

// ---------------------------------------------------------------------------------------------
// Certificates

/** One extension of a certificate: its critical flag and the DER inside its OCTET STRING. */
export interface CertificateExtension {
  critical: boolean;
  value: Buffer;
}

/**
 * What Jitsuin reads of an X.509 certificate, every part a slice of the element read (not a
 * copy). The issuer Name, serial INTEGER and SubjectPublicKeyInfo are kept as encoded because
 * CMS repeats them byte for byte (IssuerAndSerialNumber, ESSCertIDv2, OCSP CertID).
 */
export interface Certificate {
  /** The whole certificate element. */
  der: Buffer;
  /** The serialNumber INTEGER element. */
  serialDer: Buffer;
  /** The serialNumber's content octets (two's complement, as encoded: a leading 00 sign octet kept). */
  serial: Buffer;
  /** Algorithm OID in the tbsCertificate (the one the issuer signed). */
  tbsSignatureAlgorithm: string;
  /** The issuer Name element (SEQUENCE). */
  issuerDer: Buffer;
  notBefore: Date;
  notAfter: Date;
  /** The subject Name element. */
  subjectDer: Buffer;
  /** The SubjectPublicKeyInfo element. */
  spkiDer: Buffer;
  /** The subjectPublicKeyInfo's algorithm OID. */
  publicKeyAlgorithm: string;
  /** The subjectPublicKey BIT STRING's key bytes, without the unused-bits octet (OCSP issuerKeyHash is over these). */
  publicKeyBits: Buffer;
  /** By OID; the first of an OID that occurs twice (which RFC 5280 forbids). */
  extensions: Map<string, CertificateExtension>;
  /** Algorithm OID outside the tbsCertificate (the one the signature value is made with). */
  signatureAlgorithm: string;
}

function readTime(t: Tlv | undefined, what: string): Date {
  const text = t?.content.toString('latin1') ?? '';
  // UTCTime YYMMDDHHMM[SS]Z (RFC 5280: 1950-2049), GeneralizedTime YYYYMMDDHHMMSS[.fff]Z.
  const m = t?.tag === TAG.utcTime ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/.exec(text) : t?.tag === TAG.generalizedTime ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/.exec(text) : null;
  if (!m) fail(what, 'a validity time is not a UTCTime or GeneralizedTime in UTC');
  const y = Number(m[1]);
  const year = t!.tag === TAG.utcTime ? (y < 50 ? 2000 + y : 1900 + y) : y;
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)));
}

function algorithmOid(t: Tlv | undefined, what: string): string {
  return readOid(expectTag(children(expectTag(t, TAG.sequence, what), what)[0], TAG.oid, what), what);
}

/**
 * Reads a certificate element, as readOne returns it, without an object model: pkijs takes
 * 2.5 ms a certificate (about 50 ms for a process's first) where this walk takes a few hundredths
 * of a millisecond, and node's X509Certificate gives no byte slices. Anything that is not a
 * certificate is a DerError. It takes the element rather than bytes so that a caller can tell
 * bytes that are not DER (readOne fails) from DER that is not a certificate (this fails).
 */
export function readCertificate(cert: Tlv, what = 'the certificate'): Certificate {
  const [tbs, signatureAlgorithm, signatureValue] = children(expectTag(cert, TAG.sequence, what), what);
  expectTag(signatureValue, TAG.bitString, what);
  const fields = children(expectTag(tbs, TAG.sequence, what), what);
  // [0] version (optional), serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, [1] [2] [3] (optional).
  let i = isContext(fields[0], 0) ? 1 : 0;
  const serial = expectTag(fields[i++], TAG.integer, what);
  const tbsSignatureAlgorithm = algorithmOid(fields[i++], what);
  const issuer = expectTag(fields[i++], TAG.sequence, what);
  const validity = children(expectTag(fields[i++], TAG.sequence, what), what);
  const subject = expectTag(fields[i++], TAG.sequence, what);
  const spki = expectTag(fields[i++], TAG.sequence, what);
  const [keyAlgorithm, key] = children(spki, what);

  const extensions = new Map<string, CertificateExtension>();
  const tagged = fields.slice(i).find((f) => isContext(f, 3));
  if (tagged) {
    for (const ext of children(expectTag(children(tagged, what)[0], TAG.sequence, what), what)) {
      const parts = children(expectTag(ext, TAG.sequence, what), what);
      const oid = readOid(expectTag(parts[0], TAG.oid, what), what);
      const critical = parts.length === 3 && expectTag(parts[1], TAG.boolean, what).content[0] !== 0;
      const value = expectTag(parts.at(-1), TAG.octetString, what).content;
      if (!extensions.has(oid)) extensions.set(oid, { critical, value });
    }
  }
  return {
    der: cert.bytes,
    serialDer: serial.bytes,
    serial: serial.content,
    tbsSignatureAlgorithm,
    issuerDer: issuer.bytes,
    notBefore: readTime(validity[0], what),
    notAfter: readTime(validity[1], what),
    subjectDer: subject.bytes,
    spkiDer: spki.bytes,
    publicKeyAlgorithm: algorithmOid(keyAlgorithm, what),
    publicKeyBits: expectTag(key, TAG.bitString, what).content.subarray(1),
    extensions,
    signatureAlgorithm: algorithmOid(signatureAlgorithm, what),
  };
}
