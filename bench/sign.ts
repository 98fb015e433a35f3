// Benchmark of PAdES B-B signing: ours against @signpdf, @libpdf/core and pyHanko, and the floor,
// in one run on the same files and the same PKCS#12. Not a test: nothing is asserted about time.
//
//   cd /work/main && npx tsx bench/sign.ts [sizesMiB...]      (default 1 10 100; or: pnpm --filter @jitsuin/bench sign)
//   npx tsx bench/sign.ts --big 1024                          ours (card flow) on a 1 GiB PDF, with qpdf --check and pdfsig
//
// Every case runs in a fresh process (best and median of --runs, default 3; the runs of the
// tools are interleaved so that load from elsewhere hits them alike). A case imports its tool
// and loads its key first (not timed, reported as setup); the timed span is read the file, sign
// at B-B, write the output, the same span for every tool. Peak RSS is VmHWM of that process.
// Also reported: the process's CPU time over that span (user + system, all threads: what the
// work costs, less disturbed than wall time when other jobs share the cores), and "warm", the
// best of as many further processes that sign the file once untimed before the timed signing
// (what a long-running service pays; the difference is one-off JIT and parser warm-up).
// Node cases run as an esbuild bundle on plain node (as ./jitsuin up runs the services; tsx
// would add about 46 MiB to every process): ours bundled from source, the peers imported from
// node_modules as published. pyHanko runs in Python (bench/sign_pyhanko.py), timed in process
// the same way; its interpreter start-up and import show in the process wall time.
//
// The cases (all invisible signatures, field created by the tool, SHA-256, RSA-2048):
//   floor      readFileSync, SHA-256 over the bytes, writeFileSync
//   ours       @jitsuin/signer prepareSignature + CardSimulator.sign + completeSignature, writeParts
//   ours-seal  @jitsuin/signer signWith(Pkcs12Signer), writeParts
//   signpdf    pdf-lib PDFDocument.load, pdflibAddPlaceholder (ETSI.CAdES.detached), save,
//              @signpdf/signpdf sign with @signpdf/signer-p12 (node-forge)
//   libpdf     @libpdf/core PDF.load, pdf.sign({ signer: P12Signer, level: 'B-B' })
//   pyhanko    SimpleSigner.load_pkcs12, IncrementalPdfFileWriter, signers.sign_pdf (PAdES subfilter)
// All sign with the test PKI's lender seal (RSA-2048); the card flow signs with a sample
// person's card simulator, whose key is RSA-2048 too. The card flow imports CardSimulator from
// its own module (packages/testkit/src/pki/card.ts): the @jitsuin/testkit/pki entry also loads
// the test PKI's HTTP servers (express), about 11 MiB that a signing process does not carry, as
// the card is on the phone (--card-from-index imports it from the entry instead).
// node-forge cannot read the test PKI's PKCS#12 (BER: indefinite lengths, constructed OCTET
// STRINGs), so @signpdf gets the same key and certificates re-encoded by `openssl pkcs12
// -export` (OpenSSL 3 defaults: PBES2 AES-256-CBC, PBKDF2-HMAC-SHA256, 2048 iterations,
// HMAC-SHA256 MAC: the same algorithms).
//
// Each output of the first run is checked (pdfsig "Signature is Valid." and the whole document
// signed, qpdf --check; at the smallest size pyHanko's validator too) so that no tool is timed
// doing something broken. Prints a table, writes bench/out/sign.json.
// Sizes are MiB (1,048,576 bytes), times ms, memory MiB.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { firstLine, loadavg, machine } from './proc.js';
import type { ChildContext, ChildResult } from './sign-child.js';

const MiB = 1024 * 1024;
const self = fileURLToPath(import.meta.url);
const BENCH_DIR = path.dirname(self);
const REPO = path.resolve(BENCH_DIR, '..');
const OUT_DIR = path.join(BENCH_DIR, 'out');
const TOOLS = ['floor', 'ours', 'ours-seal', 'signpdf', 'libpdf', 'pyhanko'] as const;
type Tool = (typeof TOOLS)[number];
const LABEL: Record<Tool, string> = {
  floor: 'floor (read+SHA-256+write)',
  ours: 'ours (prepare+card+complete)',
  'ours-seal': 'ours (seal, signWith)',
  signpdf: '@signpdf + pdf-lib',
  libpdf: '@libpdf/core',
  pyhanko: 'pyHanko',
};
const INVOCATION: Record<Tool, string> = {
  floor: 'node: readFileSync(in); createHash("sha256").update(bytes).digest(); writeFileSync(out, bytes)',
  ours: "node: readFileSync; prepareSignature(pdf, { placement: {}, level: 'B-B', signerCertificate, chain: [issuer] }); CardSimulator.sign(digestInfo, password); completeSignature(pdf, pending, value, cert); writeParts(out, parts)",
  'ours-seal': "node: Pkcs12Signer.open(p12, pw) [setup]; readFileSync; signWith(pdf, signer, { placement: {}, level: 'B-B' }); writeParts(out, parts)",
  signpdf:
    "node: readFileSync; new P12Signer(p12, { passphrase }); PDFDocument.load(bytes); pdflibAddPlaceholder({ pdfDoc, reason, contactInfo, name, location, subFilter: SUBFILTER_ETSI_CADES_DETACHED }); Buffer.from(await pdfDoc.save()); signpdf.sign(buffer, signer); writeFileSync",
  libpdf: "node: P12Signer.create(p12, pw) [setup]; readFileSync; PDF.load(bytes); pdf.sign({ signer, level: 'B-B' }); writeFileSync(out, result.bytes)",
  pyhanko:
    "python: SimpleSigner.load_pkcs12(p12, passphrase) [setup]; open(in), open(out,'wb'); IncrementalPdfFileWriter(in); signers.sign_pdf(w, PdfSignatureMetadata(field_name='Signature1', subfilter=PADES, md_algorithm='sha256'), signer=signer, output=out)",
};

interface Args {
  sizes: number[];
  runs: number;
  big?: number;
  tsx: boolean;
  keep: boolean;
  warm: boolean;
  cardFromIndex: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { sizes: [], runs: 3, tsx: false, keep: false, warm: true, cardFromIndex: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--runs') args.runs = Number(argv[++i]);
    else if (a === '--big') args.big = Number(argv[++i]);
    else if (a === '--tsx') args.tsx = true;
    else if (a === '--keep') args.keep = true;
    else if (a === '--no-warm') args.warm = false;
    else if (a === '--card-from-index') args.cardFromIndex = true;
    else if (/^\d+(\.\d+)?$/.test(a)) args.sizes.push(Number(a));
    else throw new Error(`unknown argument ${a} (usage: sign.ts [sizesMiB...] [--runs N] [--big MiB] [--no-warm] [--card-from-index] [--tsx] [--keep])`);
  }
  if (args.sizes.length === 0 && args.big === undefined) args.sizes = [1, 10, 100];
  if (!(args.runs >= 1)) throw new Error('--runs must be 1 or more');
  return args;
}

// ---------------------------------------------------------------------------------------------
// Machine, versions, tools

function npmVersion(name: string): string {
  return (JSON.parse(readFileSync(path.join(BENCH_DIR, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The venv ./jitsuin makes for pyHanko if it is there, otherwise one under bench/out. */
function pythonWithPyhanko(): string {
  const candidates = [path.join(REPO, '.jitsuin', 'venv', 'bin', 'python'), path.join(OUT_DIR, 'venv', 'bin', 'python')];
  for (const py of candidates) if (existsSync(py) && spawnSync(py, ['-c', 'import pyhanko.sign'], { stdio: 'ignore' }).status === 0) return py;
  const venv = path.join(OUT_DIR, 'venv');
  console.log(`installing pyHanko into ${venv}`);
  execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(path.join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', 'pyhanko==0.38.0'], { stdio: 'inherit' });
  return path.join(venv, 'bin', 'python');
}

function versions(python: string) {
  const py = spawnSync(
    python,
    ['-c', "import sys, importlib.metadata as m; print(sys.version.split()[0], *(m.version(p) for p in ('pyHanko', 'pyhanko-certvalidator', 'cryptography', 'asn1crypto')))"],
    { encoding: 'utf8' },
  ).stdout.trim().split(' ');
  return {
    node: process.version,
    '@signpdf/signpdf': npmVersion('@signpdf/signpdf'),
    '@signpdf/placeholder-pdf-lib': npmVersion('@signpdf/placeholder-pdf-lib'),
    '@signpdf/signer-p12': npmVersion('@signpdf/signer-p12'),
    '@signpdf/utils': npmVersion('@signpdf/utils'),
    'pdf-lib': npmVersion('pdf-lib'),
    'node-forge': npmVersion('node-forge'),
    '@libpdf/core': npmVersion('@libpdf/core'),
    python: py[0],
    pyHanko: py[1],
    'pyhanko-certvalidator': py[2],
    cryptography: py[3],
    asn1crypto: py[4],
    pdfsig: firstLine('pdfsig', ['-v']),
    qpdf: firstLine('qpdf', ['--version']),
    openssl: firstLine('openssl', ['version']),
    ours: `git ${firstLine('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD'])} + working tree (${
      spawnSync('git', ['-C', REPO, 'status', '--short', '--', 'packages/signer', 'packages/pdf', 'packages/pades', 'packages/testkit'], { encoding: 'utf8' })
        .stdout.trim()
        .split('\n')
        .filter(Boolean)
        .join(', ') || 'clean'
    })`,
  };
}

// ---------------------------------------------------------------------------------------------
// Running the cases

interface Setup {
  work: string;
  ctx: ChildContext;
  /** The same key and certificates as ctx.p12, DER-encoded by OpenSSL (for node-forge). */
  p12Der: string;
  trustRoots: string;
  python: string;
  node: { cmd: string; args: string[] };
  cardFromIndex: boolean;
}

interface CaseRun extends ChildResult {
  wallMs: number;
}

/** The child cases as one ESM bundle with a chunk per tool, for plain node. */
async function bundleChild(): Promise<string> {
  const { build } = await import('esbuild');
  const outdir = path.join(OUT_DIR, 'sign-child');
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: [path.join(BENCH_DIR, 'sign-child.ts')],
    outdir,
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    // The peers as published: imported from node_modules, not rebuilt.
    external: ['pdf-lib', '@signpdf/*', 'node-forge', '@libpdf/core'],
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  return path.join(outdir, 'sign-child.js');
}

function runCase(s: Setup, tool: Tool, input: string, output: string, o: { warm?: boolean; nodeArgs?: string[] } = {}): CaseRun {
  const env: NodeJS.ProcessEnv = { ...process.env, ...(o.warm ? { BENCH_WARM: '1' } : {}) };
  const started = performance.now();
  const r =
    tool === 'pyhanko'
      ? spawnSync(s.python, [path.join(BENCH_DIR, 'sign_pyhanko.py'), input, output, s.ctx.p12, s.ctx.p12Password], { encoding: 'utf8', maxBuffer: 64 * MiB, env })
      : spawnSync(s.node.cmd, [...(o.nodeArgs ?? []), ...s.node.args, tool, input, output], {
          encoding: 'utf8',
          maxBuffer: 64 * MiB,
          env: {
            ...env,
            BENCH_SIGN_CTX: JSON.stringify(tool === 'signpdf' ? { ...s.ctx, p12: s.p12Der } : s.ctx),
            ...(s.cardFromIndex ? { BENCH_CARD_FROM_INDEX: '1' } : {}),
          },
        });
  const wallMs = performance.now() - started;
  const line = (r.stdout ?? '').split('\n').reverse().find((l) => l.startsWith('RESULT '));
  if (r.status !== 0 || !line) throw new Error(`${tool} on ${path.basename(input)} failed (exit ${r.status}): ${(r.stderr ?? '').trim().split('\n').slice(-8).join('\n')}`);
  const parsed = JSON.parse(line.slice(7)) as ChildResult & { importMs?: number };
  return { ...parsed, tool, wallMs };
}

interface Validation {
  pdfsig?: string;
  pdfsigValid?: boolean;
  wholeDocument?: boolean;
  qpdfExit: number | null;
  qpdf: string;
  pyhanko?: string;
  ok: boolean;
}

function validate(s: Setup, tool: Tool, file: string, withPyhanko: boolean): Validation {
  const q = spawnSync('qpdf', ['--check', file], { encoding: 'utf8', maxBuffer: 64 * MiB });
  const qText = `${q.stdout}${q.stderr}`;
  const v: Validation = {
    qpdfExit: q.status,
    qpdf: q.status === 0 ? (qText.match(/No syntax or stream encoding errors found[^\n]*/)?.[0] ?? 'exit 0') : qText.trim().split('\n').slice(-3).join(' | '),
    ok: q.status === 0,
  };
  if (tool === 'floor') return v;
  const p = spawnSync('pdfsig', [file], { encoding: 'utf8', maxBuffer: 64 * MiB });
  const pText = `${p.stdout}${p.stderr}`;
  const sigs = pText.match(/^Signature #\d+:/gm)?.length ?? 0;
  v.pdfsigValid = sigs === 1 && /Signature Validation: Signature is Valid\./.test(pText);
  v.wholeDocument = /Total document signed/.test(pText);
  v.pdfsig = `${sigs} signature(s); ${pText.match(/Signature Validation: [^\n]*/)?.[0] ?? 'no validation line'}; ${pText.match(/Signature Type: [^\n]*/)?.[0] ?? ''}; ${v.wholeDocument ? 'total document signed' : 'NOT the whole document'}`;
  v.ok = v.ok && v.pdfsigValid && v.wholeDocument;
  if (withPyhanko) {
    const py = spawnSync(s.python, [path.join(BENCH_DIR, 'validate_pyhanko.py'), file, s.trustRoots], { encoding: 'utf8', maxBuffer: 64 * MiB });
    const line = (py.stdout ?? '').trim().split('\n').pop() ?? '';
    v.pyhanko = py.status === 0 ? line : `error: ${(py.stderr ?? '').trim().split('\n').slice(-2).join(' | ')}`;
  }
  return v;
}

const best = (xs: number[]) => Math.min(...xs);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

interface CaseSummary {
  sizeMiB: number;
  fileBytes: number;
  tool: Tool;
  runsMs: number[];
  bestMs: number;
  medianMs: number;
  ratioToFloor?: number;
  /** Least process CPU time (user + system, all threads) over the timed span among the runs. */
  cpuMs: number;
  cpuRatioToFloor?: number;
  /** Best of the warm processes (the file signed once untimed first, then timed). */
  warmBestMs?: number;
  warmMedianMs?: number;
  warmRatioToFloor?: number;
  warmRunsMs?: number[];
  warmBestPhases?: Record<string, number>;
  peakRssMiB: number;
  rssTargetMiB: number;
  baselineRssMiB?: number;
  setupMs: number;
  processWallBestMs: number;
  bestPhases?: Record<string, number>;
  bestCpuPhases?: Record<string, number>;
  pythonImportMs?: number;
  outputBytes?: number;
  validation?: Validation;
  error?: string;
}

const round2 = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v * 100) / 100]));

function summarise(sizeMiB: number, fileBytes: number, tool: Tool, runs: CaseRun[], warm: CaseRun[]): CaseSummary {
  const ms = runs.map((r) => r.totalMs!);
  const bestRun = runs.reduce((a, b) => (b.totalMs! < a.totalMs! ? b : a));
  const warmMs = warm.map((r) => r.totalMs!);
  const bestWarm = warm.length ? warm.reduce((a, b) => (b.totalMs! < a.totalMs! ? b : a)) : undefined;
  return {
    sizeMiB,
    fileBytes,
    tool,
    runsMs: ms.map((x) => Math.round(x * 10) / 10),
    bestMs: best(ms),
    medianMs: median(ms),
    cpuMs: best(runs.map((r) => r.cpuMs!)),
    ...(bestWarm ? { warmBestMs: best(warmMs), warmMedianMs: median(warmMs), warmRunsMs: warmMs.map((x) => Math.round(x * 10) / 10), warmBestPhases: round2(bestWarm.phases ?? {}) } : {}),
    peakRssMiB: Math.max(...runs.map((r) => r.hwmKb)) / 1024,
    rssTargetMiB: fileBytes / MiB + 64,
    setupMs: median(runs.map((r) => r.setupMs)),
    processWallBestMs: best(runs.map((r) => r.wallMs)),
    ...(bestRun.phases ? { bestPhases: round2(bestRun.phases) } : {}),
    ...(bestRun.cpuPhases ? { bestCpuPhases: round2(bestRun.cpuPhases) } : {}),
    ...((bestRun as { importMs?: number }).importMs !== undefined ? { pythonImportMs: (bestRun as { importMs?: number }).importMs } : {}),
    outputBytes: bestRun.outputBytes,
  };
}

function makeFile(s: Setup, sizeMiB: number): string {
  const file = path.join(s.work, `in-${sizeMiB}mib.pdf`);
  if (!existsSync(file)) {
    // In a process of its own: makePdf holds the file twice while it builds it.
    execFileSync(process.execPath, [...process.execArgv, self, '--make', String(Math.round(sizeMiB * MiB)), file], { stdio: 'inherit' });
  }
  return file;
}

// ---------------------------------------------------------------------------------------------
// Report

const f0 = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(0));
const f1 = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(1));

function printTable(rows: CaseSummary[]): void {
  const header = ['size', 'tool', 'best ms', 'median ms', 'x floor', 'CPU ms', 'CPU x floor', 'warm ms', 'warm x floor', 'peak RSS MiB', 'target MiB', 'baseline MiB', 'setup ms', 'process ms', 'valid'];
  const body = rows.map((r) => [
    `${r.sizeMiB} MiB`,
    LABEL[r.tool],
    r.error ? 'FAILED' : f1(r.bestMs),
    r.error ? '' : f1(r.medianMs),
    r.ratioToFloor === undefined ? '' : r.ratioToFloor.toFixed(2),
    r.error ? '' : f1(r.cpuMs),
    r.cpuRatioToFloor === undefined ? '' : r.cpuRatioToFloor.toFixed(2),
    r.error ? '' : f1(r.warmBestMs),
    r.warmRatioToFloor === undefined ? '' : r.warmRatioToFloor.toFixed(2),
    r.error ? '' : f1(r.peakRssMiB),
    f0(r.rssTargetMiB),
    f1(r.baselineRssMiB),
    r.error ? '' : f0(r.setupMs),
    r.error ? '' : f0(r.processWallBestMs),
    r.error ? r.error.split('\n')[0]!.slice(0, 60) : r.validation ? (r.validation.ok ? (r.tool === 'floor' ? 'qpdf ok' : 'pdfsig+qpdf ok') : 'INVALID') : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  let lastSize: number | undefined;
  for (const [i, b] of body.entries()) {
    if (lastSize !== undefined && rows[i]!.sizeMiB !== lastSize) console.log('');
    lastSize = rows[i]!.sizeMiB;
    console.log(line(b));
  }
}

function targets(rows: CaseSummary[]): string[] {
  const out: string[] = [];
  for (const size of [...new Set(rows.map((r) => r.sizeMiB))]) {
    const at = rows.filter((r) => r.sizeMiB === size && !r.error);
    const peers = at.filter((r) => ['signpdf', 'libpdf', 'pyhanko'].includes(r.tool));
    for (const ours of at.filter((r) => r.tool === 'ours' || r.tool === 'ours-seal')) {
      const versus = (key: 'bestMs' | 'cpuMs' | 'warmBestMs', what: string) => {
        const mine = ours[key];
        const theirs = peers.filter((p) => p[key] !== undefined);
        if (mine === undefined || theirs.length === 0) return undefined;
        const slower = theirs.filter((p) => p[key]! <= mine);
        return slower.length
          ? `${what} NOT faster than ${slower.map((p) => `${LABEL[p.tool]} (${f1(p[key])} vs ${f1(mine)} ms)`).join(', ')}`
          : `${what} faster than every peer (nearest ${Math.min(...theirs.map((p) => p[key]! / mine)).toFixed(2)}x)`;
      };
      const peerText = [versus('bestMs', 'wall'), versus('cpuMs', 'CPU'), versus('warmBestMs', 'warm')].filter(Boolean).join('; ');
      const floorText =
        ours.ratioToFloor === undefined
          ? ''
          : `${ours.ratioToFloor.toFixed(2)}x floor${size >= 10 ? (ours.ratioToFloor <= 1.5 ? ' (1.5x met)' : ' (1.5x MISSED)') : ''}` +
            ` (CPU ${ours.cpuRatioToFloor?.toFixed(2) ?? '-'}x${ours.warmRatioToFloor !== undefined ? `, warm ${ours.warmRatioToFloor.toFixed(2)}x` : ''}); `;
      out.push(
        `${size} MiB ${LABEL[ours.tool]}: ${f1(ours.bestMs)} ms; ${peerText ? `${peerText}; ` : ''}${floorText}` +
          `peak RSS ${f1(ours.peakRssMiB)} MiB vs file + 64 = ${f0(ours.rssTargetMiB)} MiB ${ours.peakRssMiB < ours.rssTargetMiB ? '(met)' : '(MISSED)'}`,
      );
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  mkdirSync(OUT_DIR, { recursive: true });
  const m = machine();
  const loads: Record<string, string> = { start: loadavg() };
  console.log(`machine: ${m.nproc} cores, ${m.cpu}, ${m.memTotalMiB} MiB, node ${m.node}; load average ${loads.start}`);

  // Keys live in a temp dir, never in the repository.
  const work = mkdtempSync(path.join(os.tmpdir(), 'jitsuin-sign-bench-'));
  const python = pythonWithPyhanko();
  const v = versions(python);
  try {
    const pkiStarted = performance.now();
    execFileSync(process.execPath, [...process.execArgv, self, '--pki', path.join(work, 'pki')], { stdio: 'inherit' });
    const manifest = JSON.parse(readFileSync(path.join(work, 'pki', 'manifest.json'), 'utf8')) as {
      seals: Record<string, { p12: string; password: string }>;
      people: Record<string, { dir: string }>;
      trust: { all: string };
    };
    const seal = manifest.seals.lender!;
    const cardDir = path.join(work, 'pki', manifest.people['yamada-taro']!.dir);
    const ctx: ChildContext = {
      cardDir,
      cardPassword: readFileSync(path.join(cardDir, 'signing-password'), 'utf8').trim(),
      p12: path.join(work, 'pki', seal.p12),
      p12Password: seal.password,
    };
    const p12Der = path.join(work, 'seal-openssl.p12');
    const pem = execFileSync('openssl', ['pkcs12', '-in', ctx.p12, '-passin', 'env:P12PW', '-nodes'], { env: { ...process.env, P12PW: seal.password } });
    execFileSync('openssl', ['pkcs12', '-export', '-passout', 'env:P12PW', '-out', p12Der, '-name', 'lender'], { input: pem, env: { ...process.env, P12PW: seal.password } });
    console.log(`test PKI and seals in ${work} (${f0(performance.now() - pkiStarted)} ms)`);

    const node = args.tsx ? { cmd: process.execPath, args: [...process.execArgv, path.join(BENCH_DIR, 'sign-child.ts')] } : { cmd: process.execPath, args: [await bundleChild()] };
    const s: Setup = { work, ctx, p12Der, trustRoots: path.join(work, 'pki', manifest.trust.all), python, node, cardFromIndex: args.cardFromIndex };
    console.log(`node cases run as ${args.tsx ? 'tsx from source' : 'an esbuild bundle on plain node'}; pyHanko with ${python}`);

    const rows: CaseSummary[] = [];
    const baselines = new Map<Tool, number>();
    const table = async (sizes: number[], tools: readonly Tool[], opts: { pyhankoValidateAt?: number; warm: boolean }) => {
      for (const size of sizes) {
        const input = makeFile(s, size);
        const fileBytes = statSync(input).size;
        loads[`${size} MiB`] = loadavg();
        console.log(`\n${size} MiB (${fileBytes} bytes): load average ${loads[`${size} MiB`]}`);
        const runs = new Map<Tool, CaseRun[]>(tools.map((t) => [t, []]));
        const warmRuns = new Map<Tool, CaseRun[]>(tools.map((t) => [t, []]));
        const errors = new Map<Tool, string>();
        const validations = new Map<Tool, Validation>();
        for (let run = 0; run < args.runs; run++) {
          for (const tool of tools) {
            if (errors.has(tool)) continue;
            const output = path.join(work, `out-${size}mib-${tool}.pdf`);
            try {
              const r = runCase(s, tool, input, output);
              runs.get(tool)!.push(r);
              let line = `  run ${run + 1} ${LABEL[tool].padEnd(28)} ${f1(r.totalMs)} ms (CPU ${f1(r.cpuMs)}), peak RSS ${f1(r.hwmKb / 1024)} MiB`;
              if (run === 0) {
                const val = validate(s, tool, output, size === opts.pyhankoValidateAt);
                validations.set(tool, val);
                if (!val.ok) console.log(`  ${LABEL[tool]}: output INVALID: ${val.pdfsig ?? ''} ${val.qpdf}`);
              }
              if (opts.warm) {
                const w = runCase(s, tool, input, output, { warm: true });
                warmRuns.get(tool)!.push(w);
                line += `; warm ${f1(w.totalMs)} ms`;
              }
              process.stdout.write(`${line}\n`);
            } catch (err) {
              errors.set(tool, (err as Error).message);
              console.log(`  ${LABEL[tool]}: ${(err as Error).message}`);
            } finally {
              if (!args.keep || run > 0) rmSync(output, { force: true });
            }
          }
        }
        const at: CaseSummary[] = [];
        for (const tool of tools) {
          const r = runs.get(tool)!;
          const summary: CaseSummary = r.length
            ? summarise(size, fileBytes, tool, r, warmRuns.get(tool)!)
            : { sizeMiB: size, fileBytes, tool, runsMs: [], bestMs: NaN, medianMs: NaN, cpuMs: NaN, peakRssMiB: NaN, rssTargetMiB: fileBytes / MiB + 64, setupMs: NaN, processWallBestMs: NaN };
          if (errors.has(tool)) summary.error = errors.get(tool);
          if (validations.has(tool)) summary.validation = validations.get(tool);
          if (summary.validation && !summary.validation.ok) summary.error = `output invalid: ${summary.validation.pdfsig ?? ''} ${summary.validation.qpdf}`;
          // Memory with the tool loaded and its key read, before any PDF (once per tool).
          const base = baselines.get(tool) ?? (() => {
            try {
              const b = runCase(s, tool, '-', '-').hwmKb / 1024;
              baselines.set(tool, b);
              return b;
            } catch {
              return undefined;
            }
          })();
          if (base !== undefined) summary.baselineRssMiB = base;
          at.push(summary);
        }
        const floor = at.find((r) => r.tool === 'floor');
        for (const r of at) {
          if (!floor || r.error || floor.error) continue;
          r.ratioToFloor = r.bestMs / floor.bestMs;
          r.cpuRatioToFloor = r.cpuMs / floor.cpuMs;
          if (r.warmBestMs !== undefined && floor.warmBestMs !== undefined) r.warmRatioToFloor = r.warmBestMs / floor.warmBestMs;
        }
        rows.push(...at);
      }
    };
    if (args.sizes.length) await table(args.sizes, TOOLS, { pyhankoValidateAt: Math.min(...args.sizes), warm: args.warm });
    let big: CaseSummary[] = [];
    if (args.big !== undefined) {
      const before = rows.length;
      // No warm processes here: a second signing of the same big file in one process says nothing new.
      await table([args.big], ['floor', 'ours'], { warm: false });
      big = rows.splice(before);
    }
    loads.end = loadavg();

    console.log(`\nPAdES B-B signing, best of ${args.runs} (each run a fresh process); x floor = best / floor's best; peak RSS = max VmHWM over the runs; target = file + 64 MiB`);
    console.log('CPU = least user+system CPU time of the process over the timed span; warm = best of processes that signed the file once untimed first');
    console.log(`baseline = VmHWM with the tool imported and its key loaded, no PDF; setup = that loading (not timed); process = the whole process, start to exit (best)\n`);
    if (rows.length) printTable(rows);
    if (big.length) {
      console.log(`\n${args.big} MiB, ours only (floor for reference):`);
      printTable(big);
    }
    console.log('\ntargets:');
    for (const t of targets([...rows, ...big])) console.log(`  ${t}`);
    const py = rows.find((r) => r.tool === 'pyhanko' && r.pythonImportMs !== undefined);
    if (py) console.log(`pyHanko: importing pyhanko takes ${f0(py.pythonImportMs)} ms; interpreter start-up + import + key = process ms - best ms`);
    console.log(`load average: ${Object.entries(loads).map(([k, l]) => `${k} ${l}`).join('; ')}`);
    console.log('\nversions:');
    for (const [k, val] of Object.entries(v)) console.log(`  ${k}: ${val}`);
    const pyValidation = rows.filter((r) => r.validation?.pyhanko).map((r) => `  ${LABEL[r.tool]}: ${r.validation!.pyhanko}`);
    if (pyValidation.length) console.log(`\npyHanko validation at ${Math.min(...args.sizes)} MiB:\n${pyValidation.join('\n')}`);

    const jsonFile = path.join(OUT_DIR, args.sizes.length ? 'sign.json' : 'sign-big.json');
    writeFileSync(
      jsonFile,
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          machine: m,
          loadAverage: loads,
          runs: args.runs,
          harness: `${args.tsx ? 'node cases through tsx' : 'node cases as an esbuild bundle on plain node; peers external (node_modules)'}; card simulator from ${args.cardFromIndex ? '@jitsuin/testkit/pki' : 'packages/testkit/src/pki/card.ts'}`,
          versions: v,
          invocation: INVOCATION,
          p12: 'test PKI lender seal (RSA-2048); @signpdf: the same key and certificates re-encoded by openssl pkcs12 -export (node-forge rejects the BER original); ours (card flow): card simulator RSA-2048',
          results: rows,
          ...(big.length ? { big } : {}),
          targets: targets([...rows, ...big]),
        },
        null,
        2,
      )}\n`,
    );
    console.log(`\nwrote ${path.relative(REPO, jsonFile)}`);
  } finally {
    if (args.keep) console.log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--make') {
  const { makePdf } = await import('@jitsuin/testkit');
  writeFileSync(process.argv[4]!, makePdf(Number(process.argv[3])));
} else if (process.argv[2] === '--pki') {
  const { createTestPki } = await import('@jitsuin/testkit/pki');
  await createTestPki(process.argv[3]!);
} else {
  await main();
}
