import { invalidPdf } from './errors.js';
import { PdfDict, PdfName, PdfRef, PdfStream, PdfString, type PdfObject } from './objects.js';

/** How deep arrays and dictionaries may nest before the input is refused. */
export const MAX_NESTING = 64;
/** How many items one array or dictionary may hold before the input is refused. */
export const MAX_CONTAINER_ITEMS = 1_000_000;

const WS = new Uint8Array(256);
for (const c of [0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]) WS[c] = 1;
const DELIM = new Uint8Array(256);
for (const c of '()<>[]{}/%') DELIM[c.charCodeAt(0)] = 1;

export const isWhitespace = (c: number | undefined): boolean => c !== undefined && WS[c] === 1;
const isRegular = (c: number | undefined): boolean =>
  c !== undefined && WS[c] === 0 && DELIM[c] === 0;
const isDigit = (c: number | undefined): c is number => c !== undefined && c >= 0x30 && c <= 0x39;

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Hex strings from this many source bytes on (a signature's /Contents, never a name or a date)
 * are decoded when their bytes are first read, not when the object is parsed: the modification
 * analysis reads the signature fields of every signed revision, and decoding every /Contents
 * each time made it quadratic in the number of signatures.
 */
const DEFERRED_HEX_BYTES = 1024;

/** The bytes of the hex string between `start` and `close` (its '>'); whitespace is skipped. */
function decodeHex(buf: Buffer, start: number, close: number, where: string): Buffer {
  // Node's decoder stops at the first pair that is not two hex digits: when it decodes every
  // pair, the string is plain hex of even length (as signers write /Contents), decoded natively
  // (no warm-up: in a fresh process the loop below runs interpreted over tens of KiB).
  const fast = Buffer.from(buf.toString('latin1', start, close), 'hex');
  if (fast.length * 2 === close - start) return fast;
  const out = Buffer.allocUnsafe(Math.ceil((close - start) / 2));
  let n = 0;
  let high = -1;
  for (let p = start; p < close; p++) {
    const c = buf[p]!;
    if (WS[c] === 1) continue;
    const v = hexValue(c);
    if (v < 0) throw invalidPdf(`${where}: invalid ${describeByte(c)} in hex string (at byte ${p})`);
    if (high < 0) high = v;
    else {
      out[n++] = high * 16 + v;
      high = -1;
    }
  }
  if (high >= 0) out[n++] = high * 16;
  return out.subarray(0, n);
}

/** The number of a stream's /Length when it is an indirect reference. */
export type LengthResolver = (ref: PdfRef) => PdfObject;

export interface IndirectObject {
  num: number;
  gen: number;
  value: PdfObject;
  /** Offset just after `endobj`. */
  end: number;
}

/**
 * Reads PDF objects from a region of a buffer, one token at a time, without copying the buffer.
 * Every failure is an INVALID_ARGUMENT naming `where` (e.g. "object 12 0") and the offset.
 */
export class ObjectParser {
  pos: number;

  constructor(
    readonly buf: Buffer,
    pos: number,
    readonly end: number = buf.length,
    readonly where = 'file',
  ) {
    this.pos = pos;
  }

  fail(message: string): never {
    throw invalidPdf(`${this.where}: ${message} (at byte ${this.pos})`);
  }

  /** Skips whitespace and comments. */
  skipWs(): void {
    const { buf, end } = this;
    let p = this.pos;
    while (p < end) {
      const c = buf[p]!;
      if (WS[c] === 1) p++;
      else if (c === 0x25) {
        while (p < end && buf[p] !== 0x0a && buf[p] !== 0x0d) p++;
      } else break;
    }
    this.pos = p;
  }

  peek(): number | undefined {
    return this.pos < this.end ? this.buf[this.pos] : undefined;
  }

  /** Reads a run of regular characters (a keyword or number) without moving past it. */
  peekToken(): string {
    let p = this.pos;
    while (p < this.end && isRegular(this.buf[p]) && p - this.pos < 32) p++;
    return this.buf.toString('latin1', this.pos, p);
  }

  /** Consumes `keyword` if it is the next token, as a whole token. */
  acceptKeyword(keyword: string): boolean {
    this.skipWs();
    const p = this.pos;
    const n = keyword.length;
    if (p + n > this.end) return false;
    for (let i = 0; i < n; i++) if (this.buf[p + i] !== keyword.charCodeAt(i)) return false;
    if (isRegular(this.buf[p + n])) return false;
    this.pos = p + n;
    return true;
  }

  expectKeyword(keyword: string, what = keyword): void {
    if (!this.acceptKeyword(keyword)) {
      this.skipWs();
      const found = this.peekToken();
      this.fail(`expected ${what}, found ${found ? `'${found}'` : describeByte(this.peek())}`);
    }
  }

  /** An unsigned integer token, or undefined (position unchanged) when the next token is not one. */
  tryUnsigned(): number | undefined {
    this.skipWs();
    let p = this.pos;
    const start = p;
    let value = 0;
    while (p < this.end && isDigit(this.buf[p])) {
      value = value * 10 + (this.buf[p]! - 0x30);
      p++;
    }
    if (p === start || isRegular(this.buf[p])) return undefined;
    this.pos = p;
    return value;
  }

  readUnsigned(what: string): number {
    const value = this.tryUnsigned();
    if (value === undefined || !Number.isSafeInteger(value)) {
      this.fail(`expected ${what}, found ${describeToken(this)}`);
    }
    return value;
  }

  parseValue(depth = 0): PdfObject {
    if (depth > MAX_NESTING) this.fail(`arrays or dictionaries nested deeper than ${MAX_NESTING}`);
    this.skipWs();
    const c = this.peek();
    if (c === undefined) this.fail('unexpected end of data');
    switch (c) {
      case 0x2f: // '/'
        return this.parseName();
      case 0x28: // '('
        return this.parseLiteralString();
      case 0x3c: // '<'
        if (this.buf[this.pos + 1] === 0x3c) return this.parseDict(depth);
        return this.parseHexString();
      case 0x5b: // '['
        return this.parseArray(depth);
      default:
        break;
    }
    if (isDigit(c) || c === 0x2b || c === 0x2d || c === 0x2e) return this.parseNumberOrRef();
    if (isRegular(c)) {
      const token = this.peekToken();
      if (token === 'true' || token === 'false' || token === 'null') {
        this.pos += token.length;
        return token === 'null' ? null : token === 'true';
      }
      this.fail(`unexpected keyword '${token}'`);
    }
    this.fail(`unexpected ${describeByte(c)}`);
  }

  private parseNumberOrRef(): PdfObject {
    const value = this.parseNumber();
    if (Number.isInteger(value) && value >= 0) {
      const save = this.pos;
      const gen = this.tryUnsigned();
      if (gen !== undefined && this.acceptKeyword('R')) {
        if (gen > 65535) this.fail(`generation number ${gen} out of range`);
        if (!Number.isSafeInteger(value)) this.fail(`object number ${value} out of range`);
        return new PdfRef(value, gen);
      }
      this.pos = save;
    }
    return value;
  }

  parseNumber(): number {
    const { buf, end } = this;
    const start = this.pos;
    let p = start;
    if (buf[p] === 0x2b || buf[p] === 0x2d) p++;
    let digits = 0;
    let dot = false;
    while (p < end) {
      const c = buf[p]!;
      if (isDigit(c)) digits++;
      else if (c === 0x2e && !dot) dot = true;
      else break;
      p++;
    }
    if (digits === 0 || isRegular(buf[p])) {
      this.fail(`malformed number '${buf.toString('latin1', start, Math.min(p + 1, start + 32))}'`);
    }
    this.pos = p;
    const value = Number(buf.toString('latin1', start, p));
    if (!Number.isFinite(value)) this.fail('number out of range');
    return value;
  }

  private parseName(): PdfName {
    const { buf, end } = this;
    let p = this.pos + 1;
    const start = p;
    let escaped = false;
    while (p < end && isRegular(buf[p])) {
      if (buf[p] === 0x23) escaped = true;
      p++;
    }
    this.pos = p;
    if (!escaped) return PdfName.of(buf.toString('latin1', start, p));
    const out: number[] = [];
    for (let i = start; i < p; i++) {
      const c = buf[i]!;
      if (c === 0x23 && i + 2 < p + 1) {
        const h = hexValue(buf[i + 1] ?? 0);
        const l = hexValue(buf[i + 2] ?? 0);
        if (h >= 0 && l >= 0) {
          out.push(h * 16 + l);
          i += 2;
          continue;
        }
      }
      out.push(c);
    }
    return PdfName.of(Buffer.from(out).toString('latin1'));
  }

  private parseHexString(): PdfString {
    const { buf, end, where } = this;
    const start = this.pos + 1;
    const close = buf.indexOf(0x3e, start);
    if (close < 0 || close >= end) this.fail('hex string not closed');
    this.pos = close + 1;
    if (close - start < DEFERRED_HEX_BYTES) return new PdfString(decodeHex(buf, start, close, where), true);
    return PdfString.deferred(() => decodeHex(buf, start, close, where), true);
  }

  private parseLiteralString(): PdfString {
    const { buf, end } = this;
    const start = this.pos + 1;
    // First find the closing parenthesis, so that an unclosed string fails before anything is
    // allocated; then decode into a buffer no larger than the source.
    let p = start;
    let depth = 1;
    while (p < end) {
      const c = buf[p++]!;
      if (c === 0x5c) p++;
      else if (c === 0x28) depth++;
      else if (c === 0x29 && --depth === 0) break;
    }
    if (depth !== 0) this.fail('literal string not closed');
    const close = p - 1;
    const out = Buffer.allocUnsafe(close - start);
    let n = 0;
    p = start;
    while (p < close) {
      const c = buf[p++]!;
      if (c === 0x5c) {
        const e = buf[p++]!;
        switch (e) {
          case 0x6e: out[n++] = 0x0a; break; // n
          case 0x72: out[n++] = 0x0d; break; // r
          case 0x74: out[n++] = 0x09; break; // t
          case 0x62: out[n++] = 0x08; break; // b
          case 0x66: out[n++] = 0x0c; break; // f
          case 0x0d: if (buf[p] === 0x0a && p < close) p++; break; // line continuation
          case 0x0a: break;
          default:
            if (e >= 0x30 && e <= 0x37) {
              let v = e - 0x30;
              for (let k = 0; k < 2 && p < close && buf[p]! >= 0x30 && buf[p]! <= 0x37; k++) v = v * 8 + (buf[p++]! - 0x30);
              out[n++] = v & 0xff;
            } else out[n++] = e;
        }
      } else if (c === 0x0d) {
        if (buf[p] === 0x0a && p < close) p++;
        out[n++] = 0x0a;
      } else out[n++] = c;
    }
    this.pos = close + 1;
    return new PdfString(out.subarray(0, n), false);
  }

  private parseArray(depth: number): PdfObject[] {
    this.pos++;
    const items: PdfObject[] = [];
    for (;;) {
      this.skipWs();
      const c = this.peek();
      if (c === undefined) this.fail('array not closed');
      if (c === 0x5d) {
        this.pos++;
        return items;
      }
      if (items.length >= MAX_CONTAINER_ITEMS) this.fail(`array with more than ${MAX_CONTAINER_ITEMS} items`);
      items.push(this.parseValue(depth + 1));
    }
  }

  private parseDict(depth: number): PdfDict {
    this.pos += 2;
    const dict = new PdfDict();
    for (;;) {
      this.skipWs();
      const c = this.peek();
      if (c === undefined) this.fail('dictionary not closed');
      if (c === 0x3e) {
        if (this.buf[this.pos + 1] !== 0x3e) this.fail("expected '>>'");
        this.pos += 2;
        return dict;
      }
      if (c !== 0x2f) this.fail(`dictionary key expected, found ${describeToken(this)}`);
      const key = this.parseName().value;
      // Two values for one key let two readers see two documents: refuse rather than pick one.
      if (dict.has(key)) this.fail(`duplicate key /${key} in dictionary`);
      if (dict.size >= MAX_CONTAINER_ITEMS) this.fail(`dictionary with more than ${MAX_CONTAINER_ITEMS} keys`);
      this.skipWs();
      if (this.peek() === 0x3e && this.buf[this.pos + 1] === 0x3e) this.fail(`key /${key} has no value`);
      dict.set(key, this.parseValue(depth + 1));
    }
  }

  /**
   * Reads `num gen obj value [stream ... endstream] endobj` at the current position. Stream data
   * is a view of the buffer. `expected` checks that the object is the one the xref promised.
   */
  parseIndirectObject(resolveLength: LengthResolver | undefined, expected?: PdfRef): IndirectObject {
    this.skipWs();
    const num = this.tryUnsigned();
    const gen = num === undefined ? undefined : this.tryUnsigned();
    if (num === undefined || gen === undefined || !this.acceptKeyword('obj')) {
      const what = expected ? `${expected.num} ${expected.gen} obj` : 'N G obj';
      this.fail(`expected '${what}', found ${describeToken(this)}`);
    }
    if (expected && (expected.num !== num || expected.gen !== gen)) {
      this.fail(`the xref points at object ${num} ${gen} where object ${expected.num} ${expected.gen} should be`);
    }
    let value = this.parseValue(0);
    this.skipWs();
    if (value instanceof PdfDict && this.acceptKeyword('stream')) {
      value = this.readStreamData(value, resolveLength);
    }
    this.expectKeyword('endobj');
    return { num, gen, value, end: this.pos };
  }

  private readStreamData(dict: PdfDict, resolveLength: LengthResolver | undefined): PdfStream {
    const { buf } = this;
    // The keyword is followed by CRLF or LF (a lone CR is tolerated).
    if (buf[this.pos] === 0x0d) this.pos += buf[this.pos + 1] === 0x0a ? 2 : 1;
    else if (buf[this.pos] === 0x0a) this.pos++;
    else this.fail("'stream' must be followed by an end of line");
    const start = this.pos;
    let length = dict.get('Length');
    if (length instanceof PdfRef) {
      if (!resolveLength) this.fail('stream /Length must be a direct number here');
      length = resolveLength(length);
    }
    if (typeof length !== 'number' || !Number.isInteger(length) || length < 0) {
      this.fail('stream has no valid /Length');
    }
    if (start + length > this.end) this.fail(`stream /Length ${length} runs past the end of the data`);
    this.pos = start + length;
    if (!this.acceptKeyword('endstream')) {
      this.fail(`stream /Length ${length} does not end at 'endstream'`);
    }
    return new PdfStream(dict, buf.subarray(start, start + length));
  }
}

function describeByte(c: number | undefined): string {
  if (c === undefined) return 'end of data';
  return c >= 0x21 && c <= 0x7e ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}

function describeToken(p: ObjectParser): string {
  p.skipWs();
  const token = p.peekToken();
  return token ? `'${token}'` : describeByte(p.peek());
}
