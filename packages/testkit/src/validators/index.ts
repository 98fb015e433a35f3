import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../infra/paths.js';

const exec = promisify(execFile);

/** pyHanko's Python, in the venv ./jitsuin test makes (ensure_python_tools). */
export const PYTHON = join(repoRoot, '.jitsuin', 'venv', 'bin', 'python');

export interface Run {
  code: number;
  out: string;
  stdout: string;
  stderr: string;
}

/** Runs a tool; resolves with its exit code and output, never throws on a non-zero exit. */
export async function run(cmd: string, args: string[], o: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  try {
    const { stdout, stderr } = await exec(cmd, args, { cwd: o.cwd, encoding: 'utf8', timeout: o.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024, ...(o.env ? { env: o.env } : {}) });
    return { code: 0, out: `${stdout}${stderr}`, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string; message?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}${typeof e.code === 'number' ? '' : (e.message ?? '')}`, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

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


export interface OpensslSignatureCheck {
  field: string;
  type: 'Sig' | 'DocTimeStamp';
  code: number;
  out: string;
}

/** id-ct-TSTInfo (1.2.840.113549.1.9.16.1.4) as a DER OBJECT IDENTIFIER. */
const TST_INFO_OID = Buffer.from('060b2a864886f70d0109100104', 'hex');

/** Length of the DER element at the start of `b` (definite lengths): /Contents is zero-padded. */
function derLength(b: Buffer): number {
  const first = b[1]!;
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + b[2 + i]!;
  return 2 + n + len;
}

/**
 * `openssl cms -verify` of each CAdES signature over its ByteRange content, trusting `roots`;
 * `openssl ts -verify` for document timestamps. The signatures and their ranges are found by
 * poppler (`pdfsig -dump` and its "Signed Ranges"), not by our PDF reader.
 */
export async function opensslVerify(file: string, roots: string): Promise<OpensslSignatureCheck[]> {
  const dir = await mkdtemp(join(tmpdir(), 'jitsuin-openssl-'));
  try {
    const dump = await run('pdfsig', ['-nocert', '-no-ocsp', '-dump', file], { cwd: dir });
    if (dump.code !== 0) throw new Error(`pdfsig -dump failed (${dump.code}): ${dump.out}`);
    const listing = await run('pdfsig', ['-nocert', '-no-ocsp', file]);
    const pdf = await readFile(file);
    const blocks = listing.out.split(/^Signature #\d+:$/m).slice(1);
    const results: OpensslSignatureCheck[] = [];
    for (const [i, text] of blocks.entries()) {
      const field = /Signature Field Name: (.*)/.exec(text)?.[1]?.trim() ?? '';
      const ranges = [...(/Signed Ranges: (.*)/.exec(text)?.[1] ?? '').matchAll(/\[(\d+) - (\d+)\]/g)].map((m) => pdf.subarray(Number(m[1]), Number(m[2])));
      const dumped = await readFile(join(dir, `${basename(file)}.sig${i}`));
      // poppler 22.12 prints no type for an ETSI.RFC3161 document timestamp: a timestamp token
      // is the SignedData whose content type is id-ct-TSTInfo.
      const type = dumped.subarray(0, 96).includes(TST_INFO_OID) ? 'DocTimeStamp' : 'Sig';
      const sigFile = join(dir, `sig${i}.der`);
      const dataFile = join(dir, `sig${i}.bin`);
      await writeFile(sigFile, dumped.subarray(0, derLength(dumped)));
      await writeFile(dataFile, Buffer.concat(ranges));
      const r =
        type === 'Sig'
          ? await run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', sigFile, '-content', dataFile, '-CAfile', roots, '-purpose', 'any', '-out', '/dev/null'])
          : await run('openssl', ['ts', '-verify', '-data', dataFile, '-in', sigFile, '-token_in', '-CAfile', roots]);
      results.push({ field, type, code: r.code, out: r.out.trim() });
    }
    return results;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
