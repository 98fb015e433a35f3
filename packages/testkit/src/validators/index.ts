import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
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

