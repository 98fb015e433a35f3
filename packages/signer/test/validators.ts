import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PdfDict, PdfDocument, PdfString } from '@jitsuin/pdf';
import { PYTHON, type PkiFixture, run } from './helpers.js';

/** The validators nobody here wrote, run on a PDF file: pdfsig, qpdf, pyHanko, openssl. */

export interface PdfsigSignature {
  field: string;
  type: string;
  valid: boolean;
  total: boolean;
  text: string;
}

/** poppler's pdfsig, one entry per signature, in file order. */
export async function pdfsig(file: string): Promise<{ out: string; signatures: PdfsigSignature[] }> {
  const r = await run('pdfsig', [file]);
  const blocks = r.out.split(/^Signature #\d+:$/m).slice(1);
  return {
    out: r.out,
    signatures: blocks.map((text) => ({
      field: /Signature Field Name: (.*)/.exec(text)?.[1]?.trim() ?? '',
      type: /Signature Type: (.*)/.exec(text)?.[1]?.trim() ?? '',
      valid: /Signature Validation: Signature is Valid\./.test(text),
      total: /Total document signed/.test(text),
      text: text.trim(),
    })),
  };
}

export async function qpdfCheck(file: string): Promise<{ ok: boolean; out: string }> {
  const r = await run('qpdf', ['--check', file]);
  // Exit 0 is clean; 3 means warnings, which we do not accept either.
  return { ok: r.code === 0 && /No syntax or stream encoding errors found/.test(r.out), out: r.out };
}

export interface PyhankoSignature {
  field: string;
  type: 'Sig' | 'DocTimeStamp';
  level?: 'B-B' | 'B-T' | 'B-LT' | 'B-LTA' | null;
  status?: {
    intact: boolean;
    valid: boolean;
    trusted: boolean;
    bottom_line?: boolean;
    coverage: string;
    modification_level: string | null;
    docmdp_ok?: boolean | null;
    summary: string;
    timestamp?: { intact: boolean; valid: boolean; trusted: boolean };
  };
  docmdp?: string | null;
  fieldmdp?: string | null;
  from_dss?: { bottom_line?: boolean; trusted?: boolean; summary: string };
  ades_lta?: { indication?: string; subindication?: string; error?: string };
  error?: string;
}

export interface PyhankoReport {
  signatures: PyhankoSignature[];
  dss: { certs: number; crls: number; ocsps: number } | null;
}

export const pyhankoAvailable = () => existsSync(PYTHON);

/** pyHanko (from .jitsuin/venv) on every signature: see pyhanko_validate.py. */
export async function pyhanko(file: string, roots: string): Promise<PyhankoReport> {
  const r = await run(PYTHON, [join(import.meta.dirname, 'pyhanko_validate.py'), file, roots, '--online'], { timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`pyhanko_validate.py failed (${r.code}): ${r.out}`);
  return JSON.parse(r.stdout) as PyhankoReport;
}

export interface EmbeddedSignature {
  field: string;
  type: 'Sig' | 'DocTimeStamp';
  /** The DER in /Contents, without the zero padding. */
  der: Buffer;
  /** The bytes the /ByteRange covers. */
  signedBytes: Buffer;
}

/** Length of the DER element at the start of `b` (definite lengths). */
function derLength(b: Buffer): number {
  const first = b[1]!;
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + b[2 + i]!;
  return 2 + n + len;
}

/** Every signature's CMS (or timestamp token) and the ByteRange content it covers, as an independent reader finds them. */
export function embeddedSignatures(pdf: Buffer): EmbeddedSignature[] {
  const doc = PdfDocument.open(pdf);
  return doc
    .signatureFields()
    .filter((f) => f.signed)
    .map((f) => {
      const sig = doc.getObject(f.signature!.ref!) as PdfDict;
      const contents = doc.resolve(sig.get('Contents')) as PdfString;
      const [a, b, c, d] = f.signature!.byteRange!;
      return {
        field: f.name,
        type: f.signature!.type === 'DocTimeStamp' ? 'DocTimeStamp' : 'Sig',
        der: contents.bytes.subarray(0, derLength(contents.bytes)),
        signedBytes: Buffer.concat([pdf.subarray(a!, a! + b!), pdf.subarray(c!, c! + d!)]),
      };
    });
}

/**
 * `openssl cms -verify` of each CAdES signature over its ByteRange content, trusting the test
 * roots; for document timestamps `openssl ts -verify` over the ByteRange content.
 */
export async function opensslVerify(f: PkiFixture, pdf: Buffer, tag: string): Promise<{ field: string; type: string; code: number; out: string }[]> {
  const roots = f.path(f.manifest.trust.all);
  const results = [];
  for (const [i, s] of embeddedSignatures(pdf).entries()) {
    const sigFile = await f.file(`${tag}-${i}.p7s`, s.der);
    const dataFile = await f.file(`${tag}-${i}.bin`, s.signedBytes);
    const r =
      s.type === 'Sig'
        ? await run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', sigFile, '-content', dataFile, '-CAfile', roots, '-purpose', 'any', '-out', '/dev/null'])
        : await run('openssl', ['ts', '-verify', '-data', dataFile, '-in', sigFile, '-token_in', '-CAfile', roots]);
    results.push({ field: s.field, type: s.type, code: r.code, out: r.out.trim() });
  }
  return results;
}
