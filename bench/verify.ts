// Benchmark of PDF signature verification: ours (@jitsuin/verify verifyPdf) against poppler's
// pdfsig and pyHanko's validator, in one run on the same files. Not a test: nothing is asserted.
//
//   cd /work/main && npx tsx bench/verify.ts [sizesMiB...] [--sigs 1,5,20] [--runs 3] [--no-warm] [--keep]
//   (default sizes 1 10 50 MiB; the issue's figures are the 10 MiB rows)
//
// The files: makePdf(size) (one page, the bulk an incompressible stream), signed N times with
// the project's signer and the test PKI (card signatures of four sample people and the lender's
// seal in turn, each in a new invisible field, B-T with the PKI's TSA), then B-LT with the
// signer's extend(): one DSS update with the certificates, OCSP responses and CRLs of every
// signer and TSA chain. One file per N, each a prefix of the same signing sequence. The PKI's
// servers are stopped before anything is timed.
//
// Revocation "answered from cache": offline from the DSS. Every tool validates every signature
// with no network at all, from the revocation data the file embeds:
//   ours     verifyPdf(bytes, { offline: true, trustAnchors, allowJpkiTestHierarchy: true }):
//            integrity, chain, revocation from the DSS, timestamps, level, modification analysis.
//   pyhanko  bench/verify_pyhanko.py: per signature validate_pdf_signature (document timestamps:
//            validate_pdf_timestamp) with DocumentSecurityStore.as_validation_context (no
//            fetching, revocation hard-fail) and pyHanko's default difference analysis.
//   pdfsig   pdfsig -no-ocsp FILE: ByteRange digest and CMS signature of every signature, the
//            certificate through NSS (no DSS, no modification analysis, so less work than ours).
//            NSS rejects the JPKI profile's chain (see DESIGN.md); its signature line is read.
// Every case is a fresh process (best and median of --runs, the tools interleaved so that load
// from elsewhere hits them alike). For ours and pyHanko the timed span is read the file + validate,
// measured inside the process after the modules are loaded (their import shows as setup and in
// the process wall time); pdfsig is timed as its whole process. "warm": the best of as many
// further processes that validate the file once untimed before the timed validation (what a
// long-running service pays). Ours runs as an esbuild bundle on plain node (as the services run).
// Peak RSS is the process's maximum resident set (GNU time %M), the same measure for all three.
// Every file's verdicts are checked before timing: ours TOTAL_PASSED at B-LT, pyHanko's bottom
// line true for every signature, pdfsig "Signature is Valid." for every signature.
// Prints the machine, the versions and a table; writes bench/out/verify.json. Times ms, memory MiB.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { firstLine, loadavg, machine } from './proc.js';

const MiB = 1024 * 1024;
const self = fileURLToPath(import.meta.url);
const BENCH_DIR = path.dirname(self);
const REPO = path.resolve(BENCH_DIR, '..');
const OUT_DIR = path.join(BENCH_DIR, 'out');
const TOOLS = ['ours', 'pdfsig', 'pyhanko'] as const;
type Tool = (typeof TOOLS)[number];
const LABEL: Record<Tool, string> = { ours: 'ours (verifyPdf)', pdfsig: 'pdfsig (poppler)', pyhanko: 'pyHanko' };

// ---------------------------------------------------------------------------------------------
// The child: ours, in a process of its own.

interface ChildResult {
  setupMs: number;
  totalMs: number;
  cpuMs: number;
  hwmKb: number;
  indication: string;
  levels: string[];
  modifications: (string | null)[];
}

const hwmKb = () => Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN);
const cpuMsNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function child(file: string, trustFile: string, warm: boolean): Promise<void> {
  const t0 = performance.now();
  // By path: @jitsuin/verify is not among bench's dependencies (as sign-child.ts imports the card).
  const { verifyPdf } = await import('../packages/verify/src/index.js');
  const options = { offline: true, trustAnchors: [readFileSync(trustFile, 'utf8')], allowJpkiTestHierarchy: true };
  const setupMs = performance.now() - t0;
  if (warm) await verifyPdf(readFileSync(file), options);
  const c0 = cpuMsNow();
  const s0 = performance.now();
  const report = await verifyPdf(readFileSync(file), options);
  const totalMs = performance.now() - s0;
  const cpuMs = cpuMsNow() - c0;
  const result: ChildResult = {
    setupMs,
    totalMs,
    cpuMs,
    hwmKb: hwmKb(),
    indication: report.document.indication,
    levels: report.signatures.map((s) => s.level),
    modifications: report.signatures.map((s) => s.modifications),
  };
  console.log(`RESULT ${JSON.stringify(result)}`);
}

// ---------------------------------------------------------------------------------------------
// The driver

interface Args {
  sizes: number[];
  sigs: number[];
  runs: number;
  warm: boolean;
  keep: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { sizes: [], sigs: [1, 5, 20], runs: 3, warm: true, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--runs') args.runs = Number(argv[++i]);
    else if (a === '--sigs') args.sigs = argv[++i]!.split(',').map(Number);
    else if (a === '--no-warm') args.warm = false;
    else if (a === '--keep') args.keep = true;
    else if (/^\d+(\.\d+)?$/.test(a)) args.sizes.push(Number(a));
    else throw new Error(`unknown argument ${a} (usage: verify.ts [sizesMiB...] [--sigs 1,5,20] [--runs N] [--no-warm] [--keep])`);
  }
  if (args.sizes.length === 0) args.sizes = [1, 10, 50];
  if (!(args.runs >= 1) || !args.sigs.every((n) => Number.isInteger(n) && n >= 1)) throw new Error('--runs and --sigs must be positive integers');
  args.sigs.sort((x, y) => x - y);
  return args;
}

function python(): string {
  const py = path.join(REPO, '.jitsuin', 'venv', 'bin', 'python');
  if (!existsSync(py) || spawnSync(py, ['-c', 'import pyhanko.sign'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(`${py} with pyHanko is needed (./jitsuin makes it; see bench/sign.ts)`);
  }
  return py;
}

function versions(py: string) {
  const v = spawnSync(py, ['-c', "import sys, importlib.metadata as m; print(sys.version.split()[0], *(m.version(p) for p in ('pyHanko', 'pyhanko-certvalidator', 'cryptography', 'asn1crypto')))"], {
    encoding: 'utf8',
  })
    .stdout.trim()
    .split(' ');
  const dirty = spawnSync('git', ['-C', REPO, 'status', '--short', '--', 'packages/verify', 'packages/pdf', 'packages/pades', 'packages/jpki', 'packages/der'], { encoding: 'utf8' })
    .stdout.trim()
    .split('\n')
    .filter(Boolean);
  return {
    node: process.version,
    python: v[0],
    pyHanko: v[1],
    'pyhanko-certvalidator': v[2],
    cryptography: v[3],
    asn1crypto: v[4],
    pdfsig: firstLine('pdfsig', ['-v']),
    poppler: firstLine('dpkg-query', ['-W', '-f=${Package} ${Version}', 'poppler-utils']),
    ours: `git ${firstLine('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD'])} + working tree (${dirty.join(', ') || 'clean'})`,
  };
}

/** The signed files: for each size, one signing sequence; at each count in `sigs`, that prefix extended to B-LT. */
async function makeFiles(work: string, args: Args): Promise<{ files: { sizeMiB: number; sigs: number; file: string; bytes: number }[]; trust: string }> {
  const { createTestPki, startPkiServers, freePort, CardSimulator, CARD_FILES } = await import('@jitsuin/testkit/pki');
  const { makePdf } = await import('@jitsuin/testkit');
  const { extend, signWith } = await import('@jitsuin/signer');
  const { Pkcs12Signer } = await import('@jitsuin/pades');
  const port = await freePort();
  const pki = await createTestPki(path.join(work, 'pki'), { baseUrl: `http://127.0.0.1:${port}` });
  const servers = await startPkiServers(pki.dir, { port });
  const trust = path.join(pki.dir, pki.manifest.trust.all);
  try {
    type Signer = Parameters<typeof signWith>[1];
    const signers: Signer[] = [];
    for (const id of Object.keys(pki.manifest.people).slice(0, 4)) {
      const dir = path.join(pki.dir, 'people', id);
      const card = CardSimulator.open(dir);
      const password = readFileSync(path.join(dir, CARD_FILES.password), 'utf8').trim();
      signers.push({ certificate: card.signingCertificate(), chain: [card.issuerCertificate()], sign: (digestInfo: Buffer) => card.sign(digestInfo, password) });
    }
    const seal = pki.manifest.seals.lender!;
    signers.push(await Pkcs12Signer.open(readFileSync(path.join(pki.dir, seal.p12)), seal.password));

    const files: { sizeMiB: number; sigs: number; file: string; bytes: number }[] = [];
    for (const sizeMiB of args.sizes) {
      let doc: Buffer = makePdf(Math.round(sizeMiB * MiB), 'Jitsuin benchmark: mortgage loan agreement');
      const started = performance.now();
      for (let i = 1; i <= args.sigs.at(-1)!; i++) {
        doc = Buffer.concat((await signWith(doc, signers[(i - 1) % signers.length]!, { placement: { fieldName: `Signer${i}` }, level: 'B-T', tsaUrl: servers.urls.tsa })).parts);
        if (!args.sigs.includes(i)) continue;
        const lt = Buffer.concat((await extend(doc, 'B-LT', { requireRevocationData: true })).parts);
        const file = path.join(work, `verify-${sizeMiB}mib-${i}sig.pdf`);
        writeFileSync(file, lt);
        files.push({ sizeMiB, sigs: i, file, bytes: lt.length });
      }
      console.log(`  ${sizeMiB} MiB: signed ${args.sigs.at(-1)} times in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
    return { files, trust };
  } finally {
    // Nothing answers revocation requests from here on: every tool works offline.
    await servers.close();
  }
}

/** The child as one ESM bundle for plain node. */
async function bundle(): Promise<string> {
  const { build } = await import('esbuild');
  const outdir = path.join(OUT_DIR, 'verify-child');
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: [self],
    outdir,
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  return path.join(outdir, 'verify.js');
}

interface Run {
  tool: Tool;
  wallMs: number;
  /** In-process span (read + validate); for pdfsig its process wall time. */
  spanMs: number;
  cpuMs?: number;
  setupMs?: number;
  rssKb: number;
  ok: boolean;
  verdict: string;
}

interface Ctx {
  py: string;
  childJs: string;
  trust: string;
}

/** One process of `tool` on `file` under GNU time (peak RSS); warm: validate once untimed first. */
function run(ctx: Ctx, tool: Tool, file: string, sigs: number, warm = false): Run {
  const argv =
    tool === 'ours'
      ? [process.execPath, ctx.childJs, '--child', file, ctx.trust, ...(warm ? ['--warm'] : [])]
      : tool === 'pyhanko'
        ? [ctx.py, path.join(BENCH_DIR, 'verify_pyhanko.py'), file, ctx.trust, ...(warm ? ['--warm'] : [])]
        : ['pdfsig', '-no-ocsp', file];
  const started = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'MAXRSS_KB %M', ...argv], { encoding: 'utf8', maxBuffer: 64 * MiB });
  const wallMs = performance.now() - started;
  const rssKb = Number(/MAXRSS_KB (\d+)/.exec(r.stderr ?? '')?.[1] ?? NaN);
  if (tool === 'pdfsig') {
    const text = `${r.stdout}${r.stderr}`;
    const found = text.match(/^Signature #\d+:/gm)?.length ?? 0;
    const valid = text.match(/Signature Validation: Signature is Valid\./g)?.length ?? 0;
    return { tool, wallMs, spanMs: wallMs, rssKb, ok: found === sigs && valid === sigs, verdict: `${valid}/${found} "Signature is Valid."` };
  }
  const line = (r.stdout ?? '').split('\n').reverse().find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`${tool} on ${path.basename(file)} failed (exit ${r.status}): ${(r.stderr ?? '').trim().split('\n').slice(-8).join('\n')}`);
  if (tool === 'ours') {
    const c = JSON.parse(line.slice(7)) as ChildResult;
    const ok = c.indication === 'TOTAL_PASSED' && c.levels.length === sigs && c.levels.every((l) => l === 'B-LT');
    return { tool, wallMs, spanMs: c.totalMs, cpuMs: c.cpuMs, setupMs: c.setupMs, rssKb, ok, verdict: `${c.indication} ${[...new Set(c.levels)].join(',')} ${[...new Set(c.modifications)].join(',')}` };
  }
  const p = JSON.parse(line.slice(7)) as { setupMs: number; totalMs: number; cpuMs: number; signatures: { ok: boolean; modification_level: string | null }[] };
  const good = p.signatures.filter((s) => s.ok).length;
  return {
    tool,
    wallMs,
    spanMs: p.totalMs,
    cpuMs: p.cpuMs,
    setupMs: p.setupMs,
    rssKb,
    ok: good === sigs && p.signatures.length === sigs,
    verdict: `${good}/${p.signatures.length} bottom line ${[...new Set(p.signatures.map((s) => s.modification_level))].join(',')}`,
  };
}

const best = (xs: number[]) => Math.min(...xs);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const f1 = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(1));

interface Row {
  sizeMiB: number;
  sigs: number;
  fileBytes: number;
  tool: Tool;
  verdict: string;
  ok: boolean;
  spanBestMs: number;
  spanMedianMs: number;
  spanRunsMs: number[];
  processBestMs: number;
  processMedianMs: number;
  cpuBestMs?: number;
  warmBestMs?: number;
  warmRunsMs?: number[];
  setupMs?: number;
  peakRssMiB: number;
}

function summarise(f: { sizeMiB: number; sigs: number; bytes: number }, tool: Tool, runs: Run[], warm: Run[]): Row {
  const spans = runs.map((r) => r.spanMs);
  const walls = runs.map((r) => r.wallMs);
  return {
    sizeMiB: f.sizeMiB,
    sigs: f.sigs,
    fileBytes: f.bytes,
    tool,
    verdict: runs[0]!.verdict,
    ok: runs.every((r) => r.ok),
    spanBestMs: best(spans),
    spanMedianMs: median(spans),
    spanRunsMs: spans.map((x) => Math.round(x * 10) / 10),
    processBestMs: best(walls),
    processMedianMs: median(walls),
    ...(runs[0]!.cpuMs !== undefined ? { cpuBestMs: best(runs.map((r) => r.cpuMs!)) } : {}),
    ...(warm.length ? { warmBestMs: best(warm.map((r) => r.spanMs)), warmRunsMs: warm.map((r) => Math.round(r.spanMs * 10) / 10) } : {}),
    ...(runs[0]!.setupMs !== undefined ? { setupMs: median(runs.map((r) => r.setupMs!)) } : {}),
    peakRssMiB: Math.max(...runs.map((r) => r.rssKb)) / 1024,
  };
}

function printTable(rows: Row[]): void {
  const header = ['size', 'sigs', 'tool', 'best ms', 'median ms', 'warm ms', 'CPU ms', 'process ms', 'setup ms', 'peak RSS MiB', 'verdict'];
  const body = rows.map((r) => [
    `${r.sizeMiB} MiB`,
    String(r.sigs),
    LABEL[r.tool],
    f1(r.spanBestMs),
    f1(r.spanMedianMs),
    f1(r.warmBestMs),
    f1(r.cpuBestMs),
    f1(r.processBestMs),
    f1(r.setupMs),
    f1(r.peakRssMiB),
    `${r.ok ? 'ok' : 'NOT OK'}: ${r.verdict}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 2 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  let last = '';
  for (const [i, b] of body.entries()) {
    const key = `${rows[i]!.sizeMiB}/${rows[i]!.sigs}`;
    if (last && key !== last) console.log('');
    last = key;
    console.log(line(b));
  }
}

/** Ours against each peer at every file (span and process wall), and how ours grows. */
function targets(rows: Row[], args: Args): string[] {
  const out: string[] = [];
  for (const ours of rows.filter((r) => r.tool === 'ours')) {
    const peers = rows.filter((r) => r.tool !== 'ours' && r.sizeMiB === ours.sizeMiB && r.sigs === ours.sigs);
    const cmp = peers.map((p) => {
      // pdfsig has no in-process span: compare process with process; pyHanko both ways.
      const mine = p.tool === 'pdfsig' ? ours.processBestMs : ours.spanBestMs;
      const theirs = p.tool === 'pdfsig' ? p.processBestMs : p.spanBestMs;
      const proc = p.tool === 'pyhanko' ? `, process ${f1(ours.processBestMs)} vs ${f1(p.processBestMs)} ms (${(p.processBestMs / ours.processBestMs).toFixed(1)}x)` : '';
      return `${mine < theirs ? 'faster' : 'NOT faster'} than ${LABEL[p.tool]} (${p.tool === 'pdfsig' ? 'process' : 'span'} ${f1(mine)} vs ${f1(theirs)} ms, ${(theirs / mine).toFixed(1)}x${proc})`;
    });
    const under = ours.sigs === 20 ? `; ${ours.spanBestMs < 1000 ? 'under' : 'NOT under'} 1 s` : '';
    out.push(`${ours.sizeMiB} MiB, ${ours.sigs} sig: ours ${f1(ours.spanBestMs)} ms: ${cmp.join('; ')}${under}`);
  }
  // Growth: per signature at each size, per MiB at each count (least squares slope over the points).
  const slope = (pts: [number, number][]) => {
    const n = pts.length;
    const mx = pts.reduce((s, p) => s + p[0], 0) / n;
    const my = pts.reduce((s, p) => s + p[1], 0) / n;
    const num = pts.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
    const den = pts.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
    return { slope: den ? num / den : NaN, intercept: den ? my - (num / den) * mx : NaN };
  };
  for (const tool of TOOLS) {
    for (const size of args.sizes) {
      const pts = rows.filter((r) => r.tool === tool && r.sizeMiB === size).map((r) => [r.sigs, r.spanBestMs] as [number, number]);
      if (pts.length < 2) continue;
      const { slope: s, intercept } = slope(pts);
      const fit = pts.map(([x, y]) => `${x}: ${f1(y)} (fit ${f1(intercept + s * x)})`).join(', ');
      out.push(`${LABEL[tool]} at ${size} MiB: ${f1(s)} ms per signature + ${f1(intercept)} ms [${fit}]`);
    }
    for (const sigs of args.sigs) {
      const pts = rows.filter((r) => r.tool === tool && r.sigs === sigs).map((r) => [r.fileBytes / MiB, r.spanBestMs] as [number, number]);
      if (pts.length < 2) continue;
      const { slope: s, intercept } = slope(pts);
      out.push(`${LABEL[tool]} with ${sigs} sig: ${s.toFixed(2)} ms per MiB + ${f1(intercept)} ms`);
    }
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  mkdirSync(OUT_DIR, { recursive: true });
  const m = machine();
  const loads: Record<string, string> = { start: loadavg() };
  console.log(`machine: ${m.nproc} cores, ${m.cpu}, ${m.memTotalMiB} MiB, kernel ${m.kernel}, node ${m.node}; load average ${loads.start}`);
  const py = python();
  const v = versions(py);
  console.log(`versions: ${Object.entries(v).map(([k, x]) => `${k} ${x}`).join('; ')}`);

  // Keys and files live in a temp dir, never in the repository.
  const work = mkdtempSync(path.join(os.tmpdir(), 'jitsuin-verify-bench-'));
  try {
    console.log('building the signed files (test PKI, B-T signatures, one DSS update: B-LT):');
    const { files, trust } = await makeFiles(work, args);
    const ctx: Ctx = { py, childJs: await bundle(), trust };

    // Check every file with every tool before timing anything.
    for (const f of files) {
      for (const tool of TOOLS) {
        const r = run(ctx, tool, f.file, f.sigs);
        if (!r.ok) console.log(`  WARNING ${LABEL[tool]} on ${path.basename(f.file)}: ${r.verdict}`);
      }
    }
    loads.afterSetup = loadavg();

    const runs = new Map<string, Run[]>();
    const warm = new Map<string, Run[]>();
    const key = (f: { file: string }, tool: Tool) => `${f.file}|${tool}`;
    for (let i = 0; i < args.runs; i++) {
      for (const f of files) {
        for (const tool of TOOLS) runs.set(key(f, tool), [...(runs.get(key(f, tool)) ?? []), run(ctx, tool, f.file, f.sigs)]);
        if (args.warm) for (const tool of ['ours', 'pyhanko'] as const) warm.set(key(f, tool), [...(warm.get(key(f, tool)) ?? []), run(ctx, tool, f.file, f.sigs, true)]);
      }
      console.log(`  run ${i + 1}/${args.runs} done (load ${loadavg()})`);
    }
    loads.end = loadavg();

    const rows = files.flatMap((f) => TOOLS.map((tool) => summarise(f, tool, runs.get(key(f, tool))!, warm.get(key(f, tool)) ?? [])));
    console.log('');
    console.log(`Verification of PAdES B-LT documents, offline from the DSS; best and median of ${args.runs} fresh processes; times ms, memory MiB.`);
    console.log('best/median/warm: read + validate inside the process (pdfsig: its whole process); process: the whole process, start-up and imports included.');
    console.log('');
    printTable(rows);
    const lines = targets(rows, args);
    console.log('');
    for (const l of lines) console.log(l);
    console.log(`load average: ${Object.entries(loads).map(([k, x]) => `${k} ${x}`).join('; ')}`);

    const out = path.join(OUT_DIR, 'verify.json');
    writeFileSync(
      out,
      `${JSON.stringify({ date: new Date().toISOString(), machine: m, versions: v, loadavg: loads, args, files: files.map((f) => ({ ...f, file: path.basename(f.file) })), rows, targets: lines }, null, 2)}\n`,
    );
    console.log(`wrote ${path.relative(REPO, out)}`);
    if (args.keep) console.log(`kept ${work}`);
  } finally {
    if (!args.keep) rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  await child(process.argv[3]!, process.argv[4]!, process.argv.includes('--warm'));
} else {
  await main();
}
