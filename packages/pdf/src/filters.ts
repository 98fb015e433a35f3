import { constants, inflateSync } from 'node:zlib';
import { exhausted, invalidPdf } from './errors.js';
import { PdfDict, PdfName, type PdfObject, type PdfStream } from './objects.js';

/** Decompressed data larger than this is refused unless the caller allows more. */
export const DEFAULT_MAX_DECODED_BYTES = 64 * 1024 * 1024;

/**
 * Decodes a stream's data (FlateDecode with PNG/TIFF predictors, ASCIIHexDecode), never
 * producing more than `maxBytes`: a deflate bomb stops at the cap with RESOURCE_EXHAUSTED.
 * `filters` and `parms` must already be direct (the caller resolves references).
 */
export function decodeStreamData(
  stream: PdfStream,
  where: string,
  maxBytes = DEFAULT_MAX_DECODED_BYTES,
  resolve: (value: PdfObject | undefined) => PdfObject | undefined = (v) => v,
): Buffer {
  const filterValue = resolve(stream.dict.get('Filter'));
  const parmsValue = resolve(stream.dict.get('DecodeParms'));
  const filters: PdfObject[] = filterValue == null ? [] : Array.isArray(filterValue) ? filterValue : [filterValue];
  const parms: PdfObject[] = Array.isArray(parmsValue) ? parmsValue : [parmsValue ?? null];
  if (filters.length > 4) throw invalidPdf(`${where}: more than 4 stream filters`);
  let data: Buffer = stream.data;
  filters.forEach((f, i) => {
    const filter = resolve(f);
    if (!(filter instanceof PdfName)) throw invalidPdf(`${where}: stream filter is not a name`);
    const p = resolve(parms[i] ?? null);
    const parm = p instanceof PdfDict ? p : undefined;
    switch (filter.value) {
      case 'FlateDecode':
      case 'Fl':
        data = inflate(data, where, maxBytes);
        data = applyPredictor(data, parm, where, resolve);
        break;
      case 'ASCIIHexDecode':
      case 'AHx':
        data = asciiHex(data, where);
        break;
      default:
        throw invalidPdf(`${where}: unsupported stream filter /${filter.value}`);
    }
    if (data.length > maxBytes) {
      throw exhausted(`${where}: stream decodes to more than ${maxBytes} bytes, the limit`);
    }
  });
  return data;
}

function inflate(data: Buffer, where: string, maxBytes: number): Buffer {
  try {
    // Z_SYNC_FLUSH tolerates streams written without their final checksum, as many producers do.
    return inflateSync(data, { maxOutputLength: maxBytes, finishFlush: constants.Z_SYNC_FLUSH });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      throw exhausted(`${where}: stream decompresses to more than ${maxBytes} bytes, the limit (deflate bomb?)`);
    }
    throw invalidPdf(`${where}: FlateDecode data is corrupt (${(error as Error).message})`);
  }
}

function asciiHex(data: Buffer, where: string): Buffer {
  const text = data.toString('latin1');
  const end = text.indexOf('>');
  const hex = (end >= 0 ? text.slice(0, end) : text).replace(/[\s\0]+/g, '');
  if (!/^[0-9a-fA-F]*$/.test(hex)) throw invalidPdf(`${where}: ASCIIHexDecode data is corrupt`);
  return Buffer.from(hex.length % 2 ? `${hex}0` : hex, 'hex');
}

function intParam(
  parm: PdfDict | undefined,
  key: string,
  fallback: number,
  resolve: (value: PdfObject | undefined) => PdfObject | undefined,
): number {
  const v = resolve(parm?.get(key));
  return typeof v === 'number' && Number.isInteger(v) ? v : fallback;
}

function applyPredictor(
  data: Buffer,
  parm: PdfDict | undefined,
  where: string,
  resolve: (value: PdfObject | undefined) => PdfObject | undefined,
): Buffer {
  const predictor = intParam(parm, 'Predictor', 1, resolve);
  if (predictor <= 1) return data;
  const colors = intParam(parm, 'Colors', 1, resolve);
  const bpc = intParam(parm, 'BitsPerComponent', 8, resolve);
  const columns = intParam(parm, 'Columns', 1, resolve);
  if (colors < 1 || colors > 32 || ![1, 2, 4, 8, 16].includes(bpc) || columns < 1 || columns > 1 << 20) {
    throw invalidPdf(`${where}: invalid predictor parameters`);
  }
  const bpp = Math.max(1, Math.ceil((colors * bpc) / 8));
  const rowBytes = Math.ceil((colors * bpc * columns) / 8);
  if (predictor === 2) {
    if (bpc !== 8) throw invalidPdf(`${where}: TIFF predictor with ${bpc} bits per component is not supported`);
    const out = Buffer.from(data);
    for (let row = 0; row + rowBytes <= out.length; row += rowBytes) {
      for (let i = bpp; i < rowBytes; i++) out[row + i] = (out[row + i]! + out[row + i - bpp]!) & 0xff;
    }
    return out;
  }
  if (predictor < 10) throw invalidPdf(`${where}: unknown predictor ${predictor}`);
  const rows = Math.floor(data.length / (rowBytes + 1));
  const out = Buffer.alloc(rows * rowBytes);
  let prev = Buffer.alloc(rowBytes);
  for (let r = 0; r < rows; r++) {
    const type = data[r * (rowBytes + 1)]!;
    const src = data.subarray(r * (rowBytes + 1) + 1, (r + 1) * (rowBytes + 1));
    const cur = out.subarray(r * rowBytes, (r + 1) * rowBytes);
    for (let i = 0; i < rowBytes; i++) {
      const left = i >= bpp ? cur[i - bpp]! : 0;
      const up = prev[i]!;
      const upLeft = i >= bpp ? prev[i - bpp]! : 0;
      let v: number;
      switch (type) {
        case 0: v = src[i]!; break;
        case 1: v = src[i]! + left; break;
        case 2: v = src[i]! + up; break;
        case 3: v = src[i]! + ((left + up) >> 1); break;
        case 4: {
          const pa = Math.abs(up - upLeft);
          const pb = Math.abs(left - upLeft);
          const pc = Math.abs(left + up - 2 * upLeft);
          v = src[i]! + (pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft);
          break;
        }
        default:
          throw invalidPdf(`${where}: invalid PNG predictor row type ${type}`);
      }
      cur[i] = v & 0xff;
    }
    prev = cur;
  }
  return out;
}
