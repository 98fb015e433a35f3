/**
 * The PDF object model: only what a reader of individual objects and an incremental writer need.
 * Values are plain where JavaScript has them (null, boolean, number, arrays); names, strings,
 * references, dictionaries and streams have small classes.
 */

/** A PDF name, stored decoded (`#xx` escapes resolved) as a latin1 string of its bytes. */
export class PdfName {
  private static readonly interned = new Map<string, PdfName>();
  private constructor(readonly value: string) {}

  static of(value: string): PdfName {
    let name = PdfName.interned.get(value);
    if (!name) {
      name = new PdfName(value);
      // Names read from a file are interned too; cap the table so a hostile file cannot grow it
      // without bound (a name that is not interned still compares by value with `is`).
      if (PdfName.interned.size < 10_000) PdfName.interned.set(value, name);
    }
    return name;
  }

  is(value: string): boolean {
    return this.value === value;
  }

  toString(): string {
    return `/${this.value}`;
  }
}

/** An indirect reference `num gen R`. */
export class PdfRef {
  constructor(
    readonly num: number,
    readonly gen: number,
  ) {}

  equals(other: PdfRef): boolean {
    return this.num === other.num && this.gen === other.gen;
  }

  toString(): string {
    return `${this.num} ${this.gen} R`;
  }
}

const EMPTY = Buffer.alloc(0);

/** A string object: its bytes, and whether it was (or should be) written in hex. */
export class PdfString {
  private decoded: Buffer | undefined;
  private decode: (() => Buffer) | undefined;

  constructor(
    bytes: Buffer,
    readonly hex = false,
  ) {
    this.decoded = bytes;
  }

  /**
   * A string read from a file whose bytes are decoded when first asked for: a signature's
   * /Contents is tens of KiB of hex that most readers of its dictionary (ByteRange, /M, the
   * field tree, the modification analysis of every later revision) never look at. `decode`
   * throws what the parser would have thrown for a malformed string.
   */
  static deferred(decode: () => Buffer, hex: boolean): PdfString {
    const s = new PdfString(EMPTY, hex);
    s.decoded = undefined;
    s.decode = decode;
    return s;
  }

  get bytes(): Buffer {
    if (this.decoded === undefined) {
      this.decoded = this.decode!();
      this.decode = undefined;
    }
    return this.decoded;
  }

  /** The string as text: UTF-16BE (with BOM), UTF-8 (with BOM, PDF 2.0) or PDFDocEncoding. */
  text(): string {
    const b = this.bytes;
    if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) {
      const units = b.subarray(2, 2 + ((b.length - 2) & ~1));
      const swapped = Buffer.from(units);
      swapped.swap16();
      return swapped.toString('utf16le');
    }
    if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) {
      return b.subarray(3).toString('utf8');
    }
    // PDFDocEncoding agrees with latin1 for the printable ASCII and most of the upper half.
    return b.toString('latin1');
  }

  /** A text string: literal ASCII when it is plain ASCII, UTF-16BE with a BOM otherwise. */
  static text(value: string): PdfString {
    // eslint-disable-next-line no-control-regex
    if (/^[\x20-\x7e]*$/.test(value)) return new PdfString(Buffer.from(value, 'latin1'));
    const body = Buffer.from(value, 'utf16le');
    body.swap16();
    return new PdfString(Buffer.concat([Buffer.from([0xfe, 0xff]), body]), true);
  }

  static bytes(value: Uint8Array, hex = true): PdfString {
    return new PdfString(Buffer.from(value), hex);
  }
}

/** A dictionary with its keys in file order. Keys are name values without the slash. */
export class PdfDict {
  readonly entries: Map<string, PdfObject>;

  constructor(entries?: Iterable<[string, PdfObject]>) {
    this.entries = new Map(entries ?? []);
  }

  get(key: string): PdfObject | undefined {
    return this.entries.get(key);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  set(key: string, value: PdfObject): this {
    this.entries.set(key, value);
    return this;
  }

  delete(key: string): boolean {
    return this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  /** A shallow copy: the new dictionary can be changed without touching this one. */
  clone(): PdfDict {
    return new PdfDict(this.entries);
  }

  /** The value of a name entry, or undefined when absent or not a name. */
  name(key: string): string | undefined {
    const value = this.entries.get(key);
    return value instanceof PdfName ? value.value : undefined;
  }
}

/** A stream: its dictionary and its data as stored in the file (still encoded). */
export class PdfStream {
  constructor(
    readonly dict: PdfDict,
    readonly data: Buffer,
  ) {}
}

/**
 * Bytes written as they are, in place of an object, whose position in the output the writer
 * reports under `id` (used for the /ByteRange and /Contents placeholders).
 */
export class PdfPlaceholder {
  constructor(
    readonly id: string,
    readonly bytes: Buffer,
  ) {}
}

/**
 * A value that the writer turns into a new indirect object the first time it meets it and
 * replaces by its reference (the same wrapper always gets the same object). Lets a caller hand in
 * a resource dictionary whose fonts and images are objects of their own.
 */
export class PdfIndirect {
  constructor(readonly value: PdfObject) {}
}

export type PdfObject =
  | null
  | boolean
  | number
  | PdfName
  | PdfString
  | PdfRef
  | PdfDict
  | PdfObject[]
  | PdfStream
  | PdfPlaceholder
  | PdfIndirect;

export const name = (value: string): PdfName => PdfName.of(value);

export function dict(entries: Record<string, PdfObject | undefined>): PdfDict {
  const d = new PdfDict();
  for (const [k, v] of Object.entries(entries)) if (v !== undefined) d.set(k, v);
  return d;
}

export const isDict = (value: unknown): value is PdfDict => value instanceof PdfDict;
export const isRef = (value: unknown): value is PdfRef => value instanceof PdfRef;
export const isName = (value: unknown, expected?: string): value is PdfName =>
  value instanceof PdfName && (expected === undefined || value.value === expected);
export const isInteger = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value);

/** Key for maps of objects by number and generation. */
export const refKey = (ref: PdfRef): string => `${ref.num} ${ref.gen}`;
