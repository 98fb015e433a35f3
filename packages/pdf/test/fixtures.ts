import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { makePdf } from '@jitsuin/testkit';

export type XrefForm = 'classic' | 'xref-stream' | 'hybrid';

export const workDir = (): { dir: string; cleanup: () => void } => {
  const dir = mkdtempSync(join(tmpdir(), 'jitsuin-pdf-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
};

export function run(cmd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A makePdf file rewritten by qpdf with object streams and an xref stream. */
export function xrefStreamPdf(size = 4096): Buffer {
  const { dir, cleanup } = workDir();
  try {
    writeFileSync(join(dir, 'in.pdf'), makePdf(size));
    const r = run('qpdf', ['--object-streams=generate', join(dir, 'in.pdf'), join(dir, 'out.pdf')]);
    if (r.status !== 0) throw new Error(`qpdf failed: ${r.stderr}`);
    return readFileSync(join(dir, 'out.pdf'));
  } finally {
    cleanup();
  }
}

/**
 * A hybrid-reference file: a classic makePdf file plus an update whose classic trailer has
 * /XRefStm. The update puts new versions of the catalog (with /Lang) and of the page (with
 * /Tabs) into an object stream that only the xref stream lists, as hybrid files hide compressed
 * objects from readers that know only tables.
 */
export function hybridPdf(size = 4096): Buffer {
  const base = makePdf(size);
  const prev = Number(/startxref\s+(\d+)/.exec(base.toString('latin1', base.length - 64))?.[1]);
  const catalog = '<< /Type /Catalog /Pages 2 0 R /Lang (ja-JP) >>';
  const page =
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> /Tabs /S >>';
  const header = `1 0 3 ${catalog.length + 1} `;
  const objStmData = Buffer.from(`${header}${catalog}\n${page}\n`, 'latin1');
  const packed = deflateSync(objStmData);
  const parts: Buffer[] = [base];
  let offset = base.length;
  const push = (b: Buffer) => {
    parts.push(b);
    offset += b.length;
  };
  const off7 = offset;
  push(Buffer.from(`7 0 obj\n<< /Type /ObjStm /N 2 /First ${header.length} /Filter /FlateDecode /Length ${packed.length} >>\nstream\n`, 'latin1'));
  push(packed);
  push(Buffer.from('\nendstream\nendobj\n', 'latin1'));
  const off8 = offset;
  const row = (type: number, f2: number, f3: number) => {
    const b = Buffer.alloc(7);
    b[0] = type;
    b.writeUInt32BE(f2, 1);
    b.writeUInt16BE(f3, 5);
    return b;
  };
  const rows = Buffer.concat([row(2, 7, 0), row(2, 7, 1), row(1, off7, 0), row(1, off8, 0)]);
  push(Buffer.from(`8 0 obj\n<< /Type /XRef /Size 9 /W [1 4 2] /Index [1 1 3 1 7 2] /Length ${rows.length} >>\nstream\n`, 'latin1'));
  push(rows);
  push(Buffer.from('\nendstream\nendobj\n', 'latin1'));
  const xrefAt = offset;
  const entry = (o: number) => `${String(o).padStart(10, '0')} 00000 n \n`;
  push(
    Buffer.from(
      `xref\n7 2\n${entry(off7)}${entry(off8)}trailer\n<< /Size 9 /Root 1 0 R /Prev ${prev} /XRefStm ${off8} >>\nstartxref\n${xrefAt}\n%%EOF\n`,
      'latin1',
    ),
  );
  return Buffer.concat(parts);
}

export function pdfOf(form: XrefForm, size = 4096): Buffer {
  if (form === 'classic') return makePdf(size);
  if (form === 'xref-stream') return xrefStreamPdf(size);
  return hybridPdf(size);
}

/** Encrypts with qpdf (AES-256, user password 'user'). */
export function encryptedPdf(): Buffer {
  const { dir, cleanup } = workDir();
  try {
    writeFileSync(join(dir, 'in.pdf'), makePdf(4096));
    const r = run('qpdf', ['--encrypt', 'user', 'owner', '256', '--', join(dir, 'in.pdf'), join(dir, 'out.pdf')]);
    if (r.status !== 0) throw new Error(`qpdf failed: ${r.stderr}`);
    return readFileSync(join(dir, 'out.pdf'));
  } finally {
    cleanup();
  }
}

/** A DER SEQUENCE of `size` bytes in all: looks like a CMS blob to anything that peeks. */
export function fakeDer(size = 2048): Buffer {
  const body = size - 4;
  const der = Buffer.alloc(size, 0x5a);
  der[0] = 0x30;
  der[1] = 0x82;
  der.writeUInt16BE(body, 2);
  return der;
}

export interface QpdfCheck {
  ok: boolean;
  output: string;
}

/** `qpdf --check` on bytes: ok when the exit status is 0 and nothing was reported as a warning. */
export function qpdfCheck(bytes: Buffer): QpdfCheck {
  const { dir, cleanup } = workDir();
  try {
    writeFileSync(join(dir, 'f.pdf'), bytes);
    const r = run('qpdf', ['--check', join(dir, 'f.pdf')]);
    const output = r.stdout + r.stderr;
    const problems = output
      .replace(/No syntax or stream encoding errors found; the file may still contain\s+errors that qpdf cannot detect/, '')
      .match(/.*(warning|error).*/gi);
    return { ok: r.status === 0 && !problems, output };
  } finally {
    cleanup();
  }
}

/** `qpdf --json` on bytes, parsed. */
export function qpdfJson(bytes: Buffer, ...keys: string[]): Record<string, unknown> {
  const { dir, cleanup } = workDir();
  try {
    writeFileSync(join(dir, 'f.pdf'), bytes);
    const r = run('qpdf', ['--json', ...keys.map((k) => `--json-key=${k}`), join(dir, 'f.pdf')]);
    if (r.status !== 0 && r.status !== 3) throw new Error(`qpdf --json failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  } finally {
    cleanup();
  }
}

/** `qpdf --show-xref` on bytes. */
export function qpdfXref(bytes: Buffer): string {
  const { dir, cleanup } = workDir();
  try {
    writeFileSync(join(dir, 'f.pdf'), bytes);
    const r = run('qpdf', ['--show-xref', join(dir, 'f.pdf')]);
    return r.stdout + r.stderr;
  } finally {
    cleanup();
  }
}

/**
 * A classic-xref PDF from object bodies (object i+1 is bodies[i]) with correct offsets; `trailer`
 * is added to the trailer dictionary (default /Root 1 0 R).
 */
export function buildPdf(bodies: (string | Buffer)[], trailer = '/Root 1 0 R'): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let offset = parts[0]!.length;
  const offsets: number[] = [];
  bodies.forEach((body, i) => {
    offsets.push(offset);
    const b = Buffer.concat([
      Buffer.from(`${i + 1} 0 obj\n`, 'latin1'),
      typeof body === 'string' ? Buffer.from(body, 'latin1') : body,
      Buffer.from('\nendobj\n', 'latin1'),
    ]);
    parts.push(b);
    offset += b.length;
  });
  const rows = offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  parts.push(
    Buffer.from(
      `xref\n0 ${bodies.length + 1}\n0000000000 65535 f \n${rows}trailer\n<< /Size ${bodies.length + 1} ${trailer} >>\nstartxref\n${offset}\n%%EOF\n`,
      'latin1',
    ),
  );
  return Buffer.concat(parts);
}

/** A stream object body with its /Length. */
export function streamBody(dictEntries: string, data: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`<< ${dictEntries} /Length ${data.length} >>\nstream\n`, 'latin1'),
    data,
    Buffer.from('\nendstream', 'latin1'),
  ]);
}

export const MINIMAL_OBJECTS = [
  '<< /Type /Catalog /Pages 2 0 R >>',
  '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
  '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>',
];
