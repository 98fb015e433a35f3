import { invalidPdf, precondition } from './errors.js';
import { DEFAULT_MAX_DECODED_BYTES, decodeStreamData } from './filters.js';
import {
  PdfDict,
  PdfRef,
  PdfStream,
  isInteger,
  isName,
  type PdfObject,
} from './objects.js';
import { ObjectParser } from './parser.js';
import { readXrefChain, type XrefEntry, type XrefSection, type XrefTable } from './xref.js';
import {
  readCertification,
  readSignatureFields,
  type Certification,
  type SignatureField,
} from './fields.js';

export interface OpenOptions {
  /** Largest decompressed stream (object streams, xref streams, DSS items) accepted. Default 64 MiB. */
  maxDecodedStreamBytes?: number;
}

/** How many references may be followed while one object is being read (a /Length, an object stream). */
const MAX_LOADING_DEPTH = 32;
/** How deep the page tree may be. */
const MAX_PAGE_TREE_DEPTH = 64;
/** Decoded object streams kept in memory, in bytes, before the cache is cleared. */
const OBJSTM_CACHE_BYTES = 64 * 1024 * 1024;

interface ObjectStream {
  data: Buffer;
  first: number;
  nums: number[];
  offsets: number[];
}

export interface PageRef {
  /** 1-based. */
  number: number;
  ref: PdfRef;
  dict: PdfDict;
}

/**
 * A PDF opened for incremental updates. Holds the file's Buffer (never copied), the merged xref
 * of all revisions and the objects read so far; everything else is read on demand.
 */
export class PdfDocument {
  private readonly cache = new Map<number, { gen: number; value: PdfObject }>();
  private readonly loading = new Set<number>();
  private readonly objStms = new Map<number, ObjectStream>();
  private objStmBytes = 0;
  private pageCountCache: number | undefined;
  private readonly pageNumbers = new Map<string, number | undefined>();

  private constructor(
    /** The file, as given. */
    readonly bytes: Buffer,
    /** The PDF version from the header (e.g. "1.7"). */
    readonly version: string,
    /** Offset of the newest xref section (the file's startxref). */
    readonly startxref: number,
    /** Newest first. */
    readonly sections: readonly XrefSection[],
    private readonly xref: XrefTable,
    readonly maxDecodedStreamBytes: number,
  ) {}

  /**
   * Reads the header, startxref, every xref section (following /Prev and /XRefStm) and the
   * trailer. Objects are read later, when asked for.
   */
  static open(input: Uint8Array, options: OpenOptions = {}): PdfDocument {
    const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    const head = bytes.subarray(0, 1024);
    const at = head.indexOf('%PDF-');
    if (at < 0) throw invalidPdf('no %PDF- header in the first 1024 bytes: this is not a PDF file');
    const version = /^%PDF-(\d\.\d)/.exec(head.toString('latin1', at, at + 16))?.[1] ?? '1.0';

    const tailStart = Math.max(0, bytes.length - 2048);
    const tail = bytes.subarray(tailStart);
    const sx = tail.lastIndexOf('startxref');
    if (sx < 0) throw invalidPdf('no startxref near the end of the file (truncated?)');
    const p = new ObjectParser(bytes, tailStart + sx + 9, bytes.length, 'startxref');
    const startxref = p.tryUnsigned();
    if (startxref === undefined) throw invalidPdf('startxref is not followed by an offset');
    if (tail.indexOf('%%EOF', p.pos - tailStart) < 0) {
      throw invalidPdf('missing %%EOF after the last startxref (truncated or damaged file)');
    }

    const { table, sections } = readXrefChain(bytes, startxref);
    for (const section of sections) {
      if (section.trailer.has('Encrypt')) throw precondition('encrypted PDFs cannot be signed');
    }
    const trailer = sections[0]!.trailer;
    if (!(trailer.get('Root') instanceof PdfRef)) {
      throw invalidPdf('the trailer has no /Root reference to the document catalog');
    }
    return new PdfDocument(
      bytes,
      version,
      startxref,
      sections,
      table,
      options.maxDecodedStreamBytes ?? DEFAULT_MAX_DECODED_BYTES,
    );
  }

  /** The newest trailer (for an xref-stream file, the xref stream's dictionary). */
  get trailer(): PdfDict {
    return this.sections[0]!.trailer;
  }

  /** The form of the newest xref section: an update must use the same. A hybrid file counts as 'table'. */
  get xrefForm(): 'table' | 'stream' {
    return this.sections[0]!.form;
  }

  /** The first object number free for new objects. */
  get nextObjectNumber(): number {
    const size = this.trailer.get('Size');
    return Math.max(isInteger(size) ? size : 0, this.xref.limit, 1);
  }

  xrefEntry(num: number): XrefEntry | undefined {
    return this.xref.get(num);
  }

  /**
   * Offsets just past each revision's %%EOF (and its end-of-line), oldest first: the bytes
   * `[0, revisions[i])` are the document as it was at revision i.
   */
  get revisions(): number[] {
    const ends: number[] = [];
    let newestOlderOffset = -1;
    for (const section of [...this.sections].reverse()) {
      // A section that lies before an older one is a linearized file's first-page section,
      // not a revision of its own.
      if (section.offset > newestOlderOffset) {
        const end = this.eofAfter(section.end);
        if (end !== undefined) ends.push(end);
      }
      newestOlderOffset = Math.max(newestOlderOffset, section.offset);
    }
    return [...new Set(ends)].sort((a, b) => a - b);
  }

  private eofAfter(from: number): number | undefined {
    const window = this.bytes.subarray(from, Math.min(this.bytes.length, from + 4096));
    const i = window.indexOf('%%EOF');
    if (i < 0) return undefined;
    let end = from + i + 5;
    if (this.bytes[end] === 0x0d) end++;
    if (this.bytes[end] === 0x0a) end++;
    return end;
  }

  /** The object a reference points to; null for free or missing objects (as PDF defines). */
  getObject(ref: PdfRef): PdfObject {
    const cached = this.cache.get(ref.num);
    if (cached) return cached.gen === ref.gen ? cached.value : null;
    const entry = this.xref.get(ref.num);
    if (!entry || entry.type === 'free') return null;
    if (entry.type === 'offset' && entry.gen !== ref.gen) return null;
    if (entry.type === 'compressed' && ref.gen !== 0) return null;
    if (this.loading.has(ref.num)) {
      throw invalidPdf(`reference loop: object ${ref.num} ${ref.gen} is needed to read itself`);
    }
    if (this.loading.size >= MAX_LOADING_DEPTH) throw invalidPdf('object references nested too deeply');
    this.loading.add(ref.num);
    let value: PdfObject;
    try {
      value =
        entry.type === 'offset' ? this.readAt(entry.offset, ref) : this.readCompressed(entry.stream, entry.index, ref);
    } finally {
      this.loading.delete(ref.num);
    }
    this.cache.set(ref.num, { gen: ref.gen, value });
    return value;
  }

  private readAt(offset: number, ref: PdfRef): PdfObject {
    const where = `object ${ref.num} ${ref.gen}`;
    if (!Number.isSafeInteger(offset) || offset < 0 || offset >= this.bytes.length) {
      throw invalidPdf(`${where}: xref offset ${offset} is outside the file`);
    }
    const parser = new ObjectParser(this.bytes, offset, this.bytes.length, where);
    return parser.parseIndirectObject((lengthRef) => {
      const length = this.resolve(lengthRef);
      if (!isInteger(length)) throw invalidPdf(`${where}: stream /Length ${lengthRef} is not an integer`);
      return length;
    }, ref).value;
  }

  private readCompressed(streamNum: number, index: number, ref: PdfRef): PdfObject {
    const where = `object ${ref.num} ${ref.gen} (in object stream ${streamNum})`;
    const objStm = this.loadObjectStream(streamNum);
    const i = objStm.nums[index] === ref.num ? index : objStm.nums.indexOf(ref.num);
    if (i < 0) throw invalidPdf(`${where}: the object stream does not contain it`);
    const start = objStm.first + objStm.offsets[i]!;
    const end = i + 1 < objStm.offsets.length ? objStm.first + objStm.offsets[i + 1]! : objStm.data.length;
    if (start > objStm.data.length || end > objStm.data.length || end < start) {
      throw invalidPdf(`${where}: offset out of range`);
    }
    const parser = new ObjectParser(objStm.data, start, end, where);
    return parser.parseValue();
  }

  private loadObjectStream(num: number): ObjectStream {
    const cached = this.objStms.get(num);
    if (cached) return cached;
    const where = `object stream ${num}`;
    const entry = this.xref.get(num);
    if (!entry || entry.type !== 'offset') {
      throw invalidPdf(`${where}: not an uncompressed object (object streams cannot be nested)`);
    }
    const stream = this.getObject(new PdfRef(num, entry.gen));
    if (!(stream instanceof PdfStream) || stream.dict.name('Type') !== 'ObjStm') {
      throw invalidPdf(`${where}: not an object stream (/Type /ObjStm)`);
    }
    const n = stream.dict.get('N');
    const first = stream.dict.get('First');
    if (!isInteger(n) || n < 0 || n > 1_000_000 || !isInteger(first) || first < 0) {
      throw invalidPdf(`${where}: invalid /N or /First`);
    }
    const data = this.decodeStream(stream, where);
    if (first > data.length) throw invalidPdf(`${where}: /First is past the end of its data`);
    const header = new ObjectParser(data, 0, first, where);
    const nums: number[] = [];
    const offsets: number[] = [];
    for (let k = 0; k < n; k++) {
      nums.push(header.readUnsigned('an object number'));
      const off = header.readUnsigned('an offset');
      if (k > 0 && off < offsets[k - 1]!) throw invalidPdf(`${where}: object offsets are not increasing`);
      offsets.push(off);
    }
    const objStm = { data, first, nums, offsets };
    if (this.objStmBytes + data.length > OBJSTM_CACHE_BYTES) {
      this.objStms.clear();
      this.objStmBytes = 0;
    }
    this.objStms.set(num, objStm);
    this.objStmBytes += data.length;
    return objStm;
  }

  /** Follows references until a direct value (null for missing objects). */
  resolve(value: PdfObject | undefined): PdfObject | undefined {
    let v = value;
    for (let i = 0; v instanceof PdfRef; i++) {
      if (i >= MAX_LOADING_DEPTH) throw invalidPdf(`reference chain from ${value} is too long`);
      v = this.getObject(v);
    }
    return v;
  }

  /** A dictionary value (resolving references), or undefined if absent; an error if something else. */
  resolveDict(value: PdfObject | undefined, what: string): PdfDict | undefined {
    const v = this.resolve(value);
    if (v === undefined || v === null) return undefined;
    if (v instanceof PdfDict) return v;
    if (v instanceof PdfStream) return v.dict;
    throw invalidPdf(`${what} is not a dictionary`);
  }

  /** An array value (resolving references), or undefined if absent; an error if something else. */
  resolveArray(value: PdfObject | undefined, what: string): PdfObject[] | undefined {
    const v = this.resolve(value);
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v)) return v;
    throw invalidPdf(`${what} is not an array`);
  }

  /** The stream's data decoded, with the document's decompression cap. */
  decodeStream(stream: PdfStream, where = 'stream'): Buffer {
    return decodeStreamData(stream, where, this.maxDecodedStreamBytes, (v) => this.resolve(v));
  }

  get catalogRef(): PdfRef {
    return this.trailer.get('Root') as PdfRef;
  }

  get catalog(): PdfDict {
    const catalog = this.getObject(this.catalogRef);
    if (!(catalog instanceof PdfDict)) {
      throw invalidPdf(`the document catalog (object ${this.catalogRef.num} ${this.catalogRef.gen}, the trailer's /Root) is missing or not a dictionary`);
    }
    return catalog;
  }

  /** The /Info reference of the newest trailer, if any. */
  get infoRef(): PdfRef | undefined {
    const info = this.trailer.get('Info');
    return info instanceof PdfRef ? info : undefined;
  }

  private get pagesRoot(): PdfRef {
    const pages = this.catalog.get('Pages');
    if (!(pages instanceof PdfRef)) throw invalidPdf('the catalog has no /Pages reference');
    return pages;
  }

  /** The number of pages, from the root of the page tree. */
  get pageCount(): number {
    if (this.pageCountCache === undefined) {
      const root = this.resolveDict(this.pagesRoot, 'the page tree root');
      const count = this.resolve(root?.get('Count'));
      if (!isInteger(count) || count < 0) throw invalidPdf('the page tree root has no valid /Count');
      this.pageCountCache = count;
    }
    return this.pageCountCache;
  }

  /**
   * The Nth page (1-based). Walks down the page tree using each node's /Count, so only the nodes
   * on the path (and their direct children's dictionaries) are read.
   */
  getPage(pageNumber: number): PageRef {
    if (!Number.isInteger(pageNumber) || pageNumber < 1) {
      throw invalidPdf(`page ${pageNumber} does not exist (pages are numbered from 1)`);
    }
    const count = this.pageCount;
    if (pageNumber > count) throw invalidPdf(`page ${pageNumber} does not exist: the document has ${count} pages`);
    let remaining = pageNumber - 1;
    let node = this.pagesRoot;
    const visited = new Set<number>();
    for (let depth = 0; depth <= MAX_PAGE_TREE_DEPTH; depth++) {
      if (visited.has(node.num)) throw invalidPdf(`the page tree loops back to object ${node}`);
      visited.add(node.num);
      const dict = this.resolveDict(node, `page tree node ${node}`);
      if (!dict) throw invalidPdf(`page tree node ${node} is missing`);
      const kids = this.resolveArray(dict.get('Kids'), `/Kids of page tree node ${node}`);
      if (!kids) throw invalidPdf(`page tree node ${node} has no /Kids`);
      let next: PdfRef | undefined;
      for (const kid of kids) {
        if (!(kid instanceof PdfRef)) throw invalidPdf(`page tree node ${node} has a kid that is not a reference`);
        if (visited.has(kid.num)) throw invalidPdf(`the page tree loops back to object ${kid}`);
        const kidDict = this.resolveDict(kid, `page ${kid}`);
        if (!kidDict) throw invalidPdf(`page tree node ${kid} is missing`);
        if (isPageTreeNode(kidDict)) {
          const kidCount = this.resolve(kidDict.get('Count'));
          if (!isInteger(kidCount) || kidCount < 0) throw invalidPdf(`page tree node ${kid} has no valid /Count`);
          if (remaining < kidCount) {
            next = kid;
            break;
          }
          remaining -= kidCount;
        } else {
          if (remaining === 0) return { number: pageNumber, ref: kid, dict: kidDict };
          remaining -= 1;
        }
      }
      if (!next) throw invalidPdf(`page ${pageNumber} not found: the page tree's /Count values are inconsistent`);
      node = next;
    }
    throw invalidPdf(`the page tree is deeper than ${MAX_PAGE_TREE_DEPTH} levels`);
  }

  /** The 1-based number of the page `ref`, found by walking up its /Parent chain. */
  pageNumberOf(ref: PdfRef): number | undefined {
    const key = `${ref.num} ${ref.gen}`;
    if (!this.pageNumbers.has(key)) this.pageNumbers.set(key, this.findPageNumber(ref));
    return this.pageNumbers.get(key);
  }

  private findPageNumber(ref: PdfRef): number | undefined {
    let index = 0;
    let current = ref;
    const visited = new Set<number>();
    for (let depth = 0; depth <= MAX_PAGE_TREE_DEPTH; depth++) {
      visited.add(current.num);
      const dict = this.resolveDict(current, `page ${current}`);
      const parent = dict?.get('Parent');
      if (!(parent instanceof PdfRef)) return current.equals(this.pagesRoot) ? index + 1 : undefined;
      if (visited.has(parent.num)) throw invalidPdf(`the page tree loops back to object ${parent}`);
      const kids = this.resolveArray(this.resolveDict(parent, `page tree node ${parent}`)?.get('Kids'), `/Kids of ${parent}`);
      if (!kids) return undefined;
      let found = false;
      for (const kid of kids) {
        if (kid instanceof PdfRef && kid.equals(current)) {
          found = true;
          break;
        }
        const kidDict = this.resolveDict(kid, `page ${kid}`);
        if (kidDict && isPageTreeNode(kidDict)) {
          const c = this.resolve(kidDict.get('Count'));
          index += isInteger(c) ? c : 0;
        } else index += 1;
      }
      if (!found) return undefined;
      current = parent;
    }
    return undefined;
  }

  /** The interactive form dictionary, if the document has one. */
  get acroForm(): PdfDict | undefined {
    return this.resolveDict(this.catalog.get('AcroForm'), 'the /AcroForm');
  }

  /** Every signature field: name, whether signed, its widgets' pages and rectangles, /Lock. */
  signatureFields(): SignatureField[] {
    return readSignatureFields(this);
  }

  /** The certification (DocMDP) signature of the document, if any. */
  get certification(): Certification | undefined {
    return readCertification(this);
  }

  get isCertified(): boolean {
    return this.certification !== undefined;
  }
}

function isPageTreeNode(dict: PdfDict): boolean {
  const type = dict.get('Type');
  if (isName(type, 'Pages')) return true;
  if (isName(type, 'Page')) return false;
  return dict.has('Kids');
}
