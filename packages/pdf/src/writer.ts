import { deflateSync } from 'node:zlib';
import { badOption, invalidPdf } from './errors.js';
import type { PdfDocument } from './document.js';
import { PdfDict, PdfIndirect, PdfRef, PdfStream, name, type PdfObject } from './objects.js';
import { ByteSink, serialize, serializeIndirect, type SerializeContext } from './serialize.js';

export interface PlaceholderPosition {
  /** Offset in the output file (original + appended). */
  offset: number;
  length: number;
}

export interface IncrementalUpdate {
  /** The original file, untouched, then the appended update: write them one after the other. */
  parts: [Buffer, Buffer];
  /** Where each placeholder ended up, by id, as offsets in the whole output. */
  placeholders: Map<string, PlaceholderPosition>;
  /** Offset of the new xref section in the whole output. */
  startxref: number;
  /** Offsets of the written objects in the whole output, by object number. */
  objectOffsets: Map<number, number>;
}

export interface ChangedObject {
  ref: PdfRef;
  value: PdfObject;
}

/**
 * Collects new and changed objects for one incremental update and writes them after the
 * original bytes with a new xref section in the form the file already uses (a table after a
 * table or a hybrid file, an xref stream after an xref stream), its trailer pointing back with
 * /Prev. Nothing of the original is rewritten.
 */
export class IncrementalWriter {
  private next: number;
  private readonly objects = new Map<number, ChangedObject>();
  private readonly indirects = new Map<PdfIndirect, PdfRef>();

  constructor(readonly doc: PdfDocument) {
    this.next = doc.nextObjectNumber;
  }

  /** Adds a new object and returns its reference. */
  add(value: PdfObject): PdfRef {
    const ref = new PdfRef(this.next++, 0);
    this.objects.set(ref.num, { ref, value });
    return ref;
  }

  /** Replaces an existing object (or one added earlier) with a new value. */
  update(ref: PdfRef, value: PdfObject): void {
    if (!(ref instanceof PdfRef) || !Number.isInteger(ref.num) || ref.num <= 0) {
      throw badOption(`cannot update object ${String(ref)}`);
    }
    if (ref.num >= this.next) throw badOption(`object ${ref} does not exist in the document`);
    this.objects.set(ref.num, { ref, value });
  }

  has(ref: PdfRef): boolean {
    return this.objects.has(ref.num);
  }

  /** The value queued for `ref` in this update, if any. */
  pending(ref: PdfRef): PdfObject | undefined {
    return this.objects.get(ref.num)?.value;
  }

  write(): IncrementalUpdate {
    const { doc } = this;
    const base = doc.bytes.length;
    const sink = new ByteSink();
    const last = doc.bytes[base - 1];
    if (last !== 0x0a && last !== 0x0d) sink.write('\n');

    const placeholders = new Map<string, PlaceholderPosition>();
    const queue: ChangedObject[] = [...this.objects.values()];
    const ctx: SerializeContext = {
      indirect: (wrapper) => {
        let ref = this.indirects.get(wrapper);
        if (!ref) {
          ref = new PdfRef(this.next++, 0);
          this.indirects.set(wrapper, ref);
          queue.push({ ref, value: wrapper.value });
        }
        return ref;
      },
      placeholder: (id, offset, length) => {
        if (placeholders.has(id)) throw badOption(`placeholder ${id} is written twice`);
        placeholders.set(id, { offset: base + offset, length });
      },
    };

    const objectOffsets = new Map<number, number>();
    const gens = new Map<number, number>();
    for (let i = 0; i < queue.length; i++) {
      const { ref, value } = queue[i]!;
      objectOffsets.set(ref.num, base + sink.length);
      gens.set(ref.num, ref.gen);
      serializeIndirect(ref, value, sink, ctx);
    }

    const trailer = new PdfDict();
    const copy = (key: string) => {
      const v = doc.trailer.get(key);
      if (v !== undefined) trailer.set(key, v);
    };

    const startxref = base + sink.length;
    if (doc.xrefForm === 'table') {
      trailer.set('Size', Math.max(doc.nextObjectNumber, this.next));
      copy('Root');
      copy('Info');
      copy('ID');
      trailer.set('Prev', doc.startxref);
      sink.write('xref\n');
      for (const [first, nums] of runs([...objectOffsets.keys()])) {
        sink.write(`${first} ${nums.length}\n`);
        for (const num of nums) {
          const offset = objectOffsets.get(num)!;
          if (offset > 9_999_999_999) throw invalidPdf('file too large for an xref table (over 10 GB)');
          sink.write(`${String(offset).padStart(10, '0')} ${String(gens.get(num)).padStart(5, '0')} n \n`);
        }
      }
      sink.write('trailer\n');
      serialize(trailer, sink, ctx);
      sink.write(`\nstartxref\n${startxref}\n%%EOF\n`);
    } else {
      // The xref stream is an object of its own, listed in itself.
      const xrefRef = new PdfRef(this.next++, 0);
      objectOffsets.set(xrefRef.num, startxref);
      gens.set(xrefRef.num, 0);
      const maxOffset = startxref;
      const w2 = Math.max(1, Math.ceil(Math.log2(maxOffset + 1) / 8));
      const maxGen = Math.max(...gens.values());
      const w3 = maxGen > 255 ? 2 : 1;
      const index: number[] = [];
      const rows: Buffer[] = [];
      for (const [first, nums] of runs([...objectOffsets.keys()])) {
        index.push(first, nums.length);
        for (const num of nums) {
          const row = Buffer.alloc(1 + w2 + w3);
          row[0] = 1;
          row.writeUIntBE(objectOffsets.get(num)!, 1, w2);
          row.writeUIntBE(gens.get(num)!, 1 + w2, w3);
          rows.push(row);
        }
      }
      trailer.set('Type', name('XRef'));
      trailer.set('Size', Math.max(doc.nextObjectNumber, this.next));
      trailer.set('Index', index);
      trailer.set('W', [1, w2, w3]);
      copy('Root');
      copy('Info');
      copy('ID');
      trailer.set('Prev', doc.startxref);
      trailer.set('Filter', name('FlateDecode'));
      serializeIndirect(xrefRef, new PdfStream(trailer, deflateSync(Buffer.concat(rows))), sink, ctx);
      sink.write(`startxref\n${startxref}\n%%EOF\n`);
    }
    return { parts: [doc.bytes, sink.toBuffer()], placeholders, startxref, objectOffsets };
  }
}

/** Sorted object numbers grouped into runs of consecutive numbers: [first, nums][]. */
function runs(nums: number[]): [number, number[]][] {
  const sorted = [...nums].sort((a, b) => a - b);
  const out: [number, number[]][] = [];
  for (const num of sorted) {
    const current = out[out.length - 1];
    if (current && current[1][current[1].length - 1] === num - 1) current[1].push(num);
    else out.push([num, [num]]);
  }
  return out;
}

/**
 * Writes one incremental update with the given objects: existing object numbers are replaced,
 * numbers at or above the document's /Size are new objects (they must be consecutive from
 * `doc.nextObjectNumber`; use IncrementalWriter.add to allocate them).
 */
export function writeIncrementalUpdate(doc: PdfDocument, changed: Iterable<ChangedObject>): IncrementalUpdate {
  const writer = new IncrementalWriter(doc);
  const fresh: ChangedObject[] = [];
  for (const item of changed) {
    if (item.ref.num >= doc.nextObjectNumber) fresh.push(item);
    else writer.update(item.ref, item.value);
  }
  fresh.sort((a, b) => a.ref.num - b.ref.num);
  for (const item of fresh) {
    const ref = writer.add(item.value);
    if (ref.num !== item.ref.num || item.ref.gen !== 0) {
      throw badOption(`new object ${item.ref} must be numbered ${ref.num} 0 (the next free number)`);
    }
  }
  return writer.write();
}
