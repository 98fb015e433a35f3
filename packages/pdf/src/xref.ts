import { invalidPdf } from './errors.js';
import { decodeStreamData } from './filters.js';
import { PdfDict, PdfStream, isInteger, type PdfObject } from './objects.js';
import { ObjectParser } from './parser.js';

/** Object numbers above this are refused (PDF's own limit is 8,388,607). */
export const MAX_OBJECT_NUMBER = 16_777_215;
/** More xref sections than this (revisions, /Prev links) are refused. */
export const MAX_XREF_SECTIONS = 10_000;

export type XrefEntry =
  | { type: 'free' }
  | { type: 'offset'; offset: number; gen: number }
  | { type: 'compressed'; stream: number; index: number };

const UNSET = 0;
const FREE = 1;
const OFFSET = 2;
const COMPRESSED = 3;

/**
 * The merged cross-reference of all revisions: for each object number the newest entry. Stored
 * in typed arrays (13 bytes an object) rather than a Map, since a large document may have
 * millions of objects of which a signer touches a handful.
 */
export class XrefTable {
  private kinds = new Uint8Array(64);
  private field2 = new Float64Array(64);
  private field3 = new Uint32Array(64);
  /** One more than the highest object number that has an entry. */
  limit = 0;

  private grow(num: number): void {
    if (num > MAX_OBJECT_NUMBER) throw invalidPdf(`object number ${num} is out of range`);
    let cap = this.kinds.length;
    if (num < cap) return;
    while (cap <= num) cap *= 2;
    cap = Math.min(cap, MAX_OBJECT_NUMBER + 1);
    const k = new Uint8Array(cap);
    k.set(this.kinds);
    const f2 = new Float64Array(cap);
    f2.set(this.field2);
    const f3 = new Uint32Array(cap);
    f3.set(this.field3);
    this.kinds = k;
    this.field2 = f2;
    this.field3 = f3;
  }

  /** Records an entry unless a newer section already did (sections are read newest first). */
  setIfUnset(num: number, kind: number, f2: number, f3: number): void {
    this.grow(num);
    if (this.kinds[num] !== UNSET) return;
    this.kinds[num] = kind;
    this.field2[num] = f2;
    this.field3[num] = f3;
    if (num >= this.limit) this.limit = num + 1;
  }

  has(num: number): boolean {
    return num >= 0 && num < this.kinds.length && this.kinds[num] !== UNSET;
  }

  get(num: number): XrefEntry | undefined {
    if (!Number.isInteger(num) || num < 0 || num >= this.kinds.length) return undefined;
    switch (this.kinds[num]) {
      case FREE:
        return { type: 'free' };
      case OFFSET:
        return { type: 'offset', offset: this.field2[num]!, gen: this.field3[num]! };
      case COMPRESSED:
        return { type: 'compressed', stream: this.field2[num]!, index: this.field3[num]! };
      default:
        return undefined;
    }
  }
}

export interface XrefSection {
  /** Where the section starts (the `xref` keyword or the xref stream object). */
  offset: number;
  form: 'table' | 'stream';
  trailer: PdfDict;
  /** For a hybrid file's table: the offset of its /XRefStm stream. */
  xrefStm?: number;
  /** Offset just after the trailer dictionary or the xref stream object. */
  end: number;
}

export interface XrefChain {
  table: XrefTable;
  /** Newest first. */
  sections: XrefSection[];
}

/** Reads every xref section from `startxref` through the /Prev links, newest first. */
export function readXrefChain(buf: Buffer, startxref: number): XrefChain {
  const table = new XrefTable();
  const sections: XrefSection[] = [];
  const visited = new Set<number>();
  let offset: number | undefined = startxref;
  while (offset !== undefined) {
    if (visited.has(offset)) throw invalidPdf(`the xref /Prev chain loops back to offset ${offset}`);
    if (visited.size >= MAX_XREF_SECTIONS) throw invalidPdf(`more than ${MAX_XREF_SECTIONS} xref sections`);
    visited.add(offset);
    const section = readSection(buf, offset, table, visited);
    sections.push(section);
    const prev = section.trailer.get('Prev');
    if (prev === undefined) offset = undefined;
    else if (isInteger(prev) && prev >= 0) offset = prev;
    else throw invalidPdf(`the trailer at offset ${section.offset} has an invalid /Prev`);
  }
  return { table, sections };
}

/**
 * The object numbers that one xref section (with a hybrid table's /XRefStm) lists, without
 * following /Prev: what a single revision defines, redefines or frees. Read-only; for the
 * modification analysis, which compares only these objects with the signed revision.
 */
export function xrefSectionObjects(buf: Buffer, offset: number): { inUse: number[]; freed: number[] } {
  const table = new XrefTable();
  readSection(buf, offset, table, new Set([offset]));
  const inUse: number[] = [];
  const freed: number[] = [];
  for (let num = 1; num < table.limit; num++) {
    const entry = table.get(num);
    if (entry?.type === 'free') freed.push(num);
    else if (entry) inUse.push(num);
  }
  return { inUse, freed };
}

function checkOffset(buf: Buffer, offset: number, what: string): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset >= buf.length) {
    throw invalidPdf(`${what} offset ${offset} is outside the file (${buf.length} bytes)`);
  }
}

function readSection(buf: Buffer, offset: number, table: XrefTable, visited: Set<number>): XrefSection {
  checkOffset(buf, offset, 'xref');
  const p = new ObjectParser(buf, offset, buf.length, `xref at offset ${offset}`);
  p.skipWs();
  if (p.acceptKeyword('xref')) return readTable(buf, p, offset, table, visited);
  if (/^\d+\s+\d+\s+obj\b/.test(buf.toString('latin1', p.pos, p.pos + 32))) {
    return readStreamSection(buf, offset, table, false);
  }
  throw invalidPdf(`no xref table or xref stream at offset ${offset} (startxref or /Prev is wrong)`);
}

function readTable(
  buf: Buffer,
  p: ObjectParser,
  offset: number,
  table: XrefTable,
  visited: Set<number>,
): XrefSection {
  // In-use entries first, then the hybrid file's /XRefStm, then free entries: an object that a
  // hybrid file hides from old readers is marked free in the table and listed in the stream.
  const freed: number[] = [];
  for (;;) {
    p.skipWs();
    if (p.acceptKeyword('trailer')) break;
    const first = p.tryUnsigned();
    const count = first === undefined ? undefined : p.tryUnsigned();
    if (first === undefined || count === undefined) {
      p.fail("expected an xref subsection ('first count') or 'trailer'");
    }
    if (first + count > MAX_OBJECT_NUMBER + 1) p.fail(`xref subsection ${first} ${count} is out of range`);
    for (let i = 0; i < count; i++) {
      const entryOffset = p.tryUnsigned();
      const gen = entryOffset === undefined ? undefined : p.tryUnsigned();
      if (entryOffset === undefined || gen === undefined) p.fail(`malformed xref entry for object ${first + i}`);
      p.skipWs();
      const flag = p.peekToken();
      if (flag === 'n') {
        p.pos += 1;
        // An in-use entry at offset 0 is a writer's way of saying 'free'.
        if (entryOffset === 0) freed.push(first + i);
        else table.setIfUnset(first + i, OFFSET, entryOffset, gen);
      } else if (flag === 'f') {
        p.pos += 1;
        freed.push(first + i);
      } else {
        p.fail(`xref entry for object ${first + i} has type '${flag}' (expected 'n' or 'f')`);
      }
    }
  }
  const trailer = p.parseValue();
  if (!(trailer instanceof PdfDict)) p.fail('trailer is not a dictionary');
  const section: XrefSection = { offset, form: 'table', trailer, end: p.pos };
  const xrefStm = trailer.get('XRefStm');
  if (xrefStm !== undefined) {
    if (!isInteger(xrefStm)) throw invalidPdf(`the trailer at offset ${offset} has an invalid /XRefStm`);
    if (visited.has(xrefStm)) throw invalidPdf(`the /XRefStm at offset ${xrefStm} is read twice`);
    visited.add(xrefStm);
    readStreamSection(buf, xrefStm, table, true);
    section.xrefStm = xrefStm;
  }
  for (const num of freed) table.setIfUnset(num, FREE, 0, 0);
  return section;
}

function readStreamSection(buf: Buffer, offset: number, table: XrefTable, hybrid: boolean): XrefSection {
  checkOffset(buf, offset, hybrid ? '/XRefStm' : 'xref stream');
  const where = `xref stream at offset ${offset}`;
  const p = new ObjectParser(buf, offset, buf.length, where);
  const obj = p.parseIndirectObject(undefined);
  const stream = obj.value;
  if (!(stream instanceof PdfStream) || stream.dict.name('Type') !== 'XRef') {
    throw invalidPdf(`${where}: object ${obj.num} ${obj.gen} is not an xref stream (/Type /XRef)`);
  }
  const dict = stream.dict;
  const w = dict.get('W');
  if (!Array.isArray(w) || w.length !== 3 || !w.every((x) => isInteger(x) && x >= 0 && x <= 8)) {
    throw invalidPdf(`${where}: /W must be three small integers`);
  }
  const [w1, w2, w3] = w as [number, number, number];
  const size = dict.get('Size');
  if (!isInteger(size) || size < 0 || size > MAX_OBJECT_NUMBER + 1) throw invalidPdf(`${where}: invalid /Size`);
  const indexValue: PdfObject = dict.get('Index') ?? [0, size];
  if (!Array.isArray(indexValue) || indexValue.length % 2 !== 0 || !indexValue.every((x) => isInteger(x) && x >= 0)) {
    throw invalidPdf(`${where}: invalid /Index`);
  }
  const index = indexValue as number[];
  let rows = 0;
  for (let i = 0; i < index.length; i += 2) {
    if (index[i]! + index[i + 1]! > MAX_OBJECT_NUMBER + 1) throw invalidPdf(`${where}: /Index is out of range`);
    rows += index[i + 1]!;
  }
  const rowWidth = w1 + w2 + w3;
  if (rowWidth === 0) throw invalidPdf(`${where}: /W is all zeros`);
  // The cap follows from /W and /Index: an xref stream that inflates beyond it is a bomb.
  const cap = rows * (rowWidth + 1) + 1024;
  const data = decodeStreamData(stream, where, cap);
  if (data.length < rows * rowWidth) {
    throw invalidPdf(`${where}: ${data.length} bytes of entries where /W and /Index need ${rows * rowWidth}`);
  }
  const field = (at: number, width: number): number => {
    let v = 0;
    for (let i = 0; i < width; i++) v = v * 256 + data[at + i]!;
    return v;
  };
  let at = 0;
  const freed: number[] = [];
  for (let i = 0; i < index.length; i += 2) {
    const first = index[i]!;
    const count = index[i + 1]!;
    for (let n = 0; n < count; n++, at += rowWidth) {
      const type = w1 === 0 ? 1 : field(at, w1);
      const f2 = field(at + w1, w2);
      const f3 = field(at + w1 + w2, w3);
      const num = first + n;
      if (type === 0) freed.push(num);
      else if (type === 1) table.setIfUnset(num, OFFSET, f2, f3);
      else if (type === 2) table.setIfUnset(num, COMPRESSED, f2, f3);
      // Other types are reserved: readers treat them as null references.
    }
  }
  for (const num of freed) table.setIfUnset(num, FREE, 0, 0);
  return { offset, form: 'stream', trailer: dict, end: obj.end };
}
