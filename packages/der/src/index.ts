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
