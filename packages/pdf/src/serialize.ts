import { badOption } from './errors.js';
import {
  PdfDict,
  PdfIndirect,
  PdfName,
  PdfPlaceholder,
  PdfRef,
  PdfStream,
  PdfString,
  type PdfObject,
} from './objects.js';

/** Collects output chunks and knows its length, so positions can be recorded while writing. */
export class ByteSink {
  private readonly chunks: Buffer[] = [];
  length = 0;

  write(data: string | Buffer): void {
    const chunk = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

export interface SerializeContext {
  /** Called for a PdfIndirect: returns the reference of the object it becomes. */
  indirect(wrapper: PdfIndirect): PdfRef;
  /** Called for a placeholder with its position in the sink. */
  placeholder(id: string, offset: number, length: number): void;
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) throw badOption(`cannot write the number ${n} into a PDF`);
  if (Number.isInteger(n)) {
    if (Math.abs(n) >= 1e21) throw badOption(`cannot write the number ${n} into a PDF`);
    return n.toFixed(0);
  }
  let s = String(n);
  if (s.includes('e')) s = n.toFixed(10).replace(/\.?0+$/, '');
  return s === '-0' ? '0' : s;
}

const NAME_SAFE = new Uint8Array(256);
for (let c = 0x21; c <= 0x7e; c++) NAME_SAFE[c] = 1;
for (const c of '()<>[]{}/%#') NAME_SAFE[c.charCodeAt(0)] = 0;

export function formatName(name: PdfName | string): string {
  const value = typeof name === 'string' ? name : name.value;
  let out = '/';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 0xff) throw badOption(`PDF name ${value} has a character outside latin1`);
    out += NAME_SAFE[c] ? value[i] : `#${c.toString(16).padStart(2, '0')}`;
  }
  return out;
}

function formatString(s: PdfString): string {
  if (s.hex) return `<${s.bytes.toString('hex')}>`;
  let out = '(';
  for (const c of s.bytes) {
    if (c === 0x28 || c === 0x29 || c === 0x5c) out += `\\${String.fromCharCode(c)}`;
    else if (c >= 0x20 && c <= 0x7e) out += String.fromCharCode(c);
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else out += `\\${c.toString(8).padStart(3, '0')}`;
  }
  return `${out})`;
}

/** Writes a direct object. Streams are only allowed at the top of an indirect object. */
export function serialize(value: PdfObject, sink: ByteSink, ctx: SerializeContext, depth = 0): void {
  if (depth > 64) throw badOption('object nested too deeply to write');
  if (value === null) sink.write('null');
  else if (typeof value === 'boolean') sink.write(value ? 'true' : 'false');
  else if (typeof value === 'number') sink.write(formatNumber(value));
  else if (value instanceof PdfName) sink.write(formatName(value));
  else if (value instanceof PdfString) sink.write(formatString(value));
  else if (value instanceof PdfRef) sink.write(`${value.num} ${value.gen} R`);
  else if (value instanceof PdfDict) {
    sink.write('<<');
    for (const [key, v] of value.entries) {
      sink.write(` ${formatName(key)} `);
      serialize(v, sink, ctx, depth + 1);
    }
    sink.write(' >>');
  } else if (Array.isArray(value)) {
    sink.write('[');
    value.forEach((item, i) => {
      if (i > 0) sink.write(' ');
      serialize(item, sink, ctx, depth + 1);
    });
    sink.write(']');
  } else if (value instanceof PdfPlaceholder) {
    ctx.placeholder(value.id, sink.length, value.bytes.length);
    sink.write(value.bytes);
  } else if (value instanceof PdfIndirect) {
    const ref = ctx.indirect(value);
    sink.write(`${ref.num} ${ref.gen} R`);
  } else if (value instanceof PdfStream) {
    throw badOption('a stream can only be written as an indirect object (wrap it in PdfIndirect)');
  } else {
    throw badOption(`cannot write ${String(value)} as a PDF object`);
  }
}

/** Writes `num gen obj ... endobj`, with a stream's /Length set from its data. */
export function serializeIndirect(ref: PdfRef, value: PdfObject, sink: ByteSink, ctx: SerializeContext): void {
  sink.write(`${ref.num} ${ref.gen} obj\n`);
  if (value instanceof PdfStream) {
    const dict = value.dict.clone();
    dict.set('Length', value.data.length);
    serialize(dict, sink, ctx);
    sink.write('\nstream\n');
    sink.write(value.data);
    sink.write('\nendstream');
  } else {
    serialize(value, sink, ctx);
  }
  sink.write('\nendobj\n');
}
