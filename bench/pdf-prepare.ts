/**
 * Time and peak RSS of signing preparation versus the floor (read + SHA-256 + write), each run in
 * a fresh process. Not a test. Usage:
 *   tsx packages/pdf/bench/measure.ts [sizesInMB...]      (default 10 100)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makePdf } from '@jitsuin/testkit';
import { PdfDocument, digestByteRange, embedContents, prepareSignature, writeParts } from '@jitsuin/pdf';

const self = fileURLToPath(import.meta.url);
const dir = process.env.BENCH_DIR ?? tmpdir();

function vmHwmMb(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

async function child(mode: string, input: string): Promise<void> {
  const out = join(dir, `bench-out-${process.pid}.pdf`);
  if (mode === 'baseline') {
    process.stdout.write(JSON.stringify({ totalMs: 0, readMs: 0, prepareMs: 0, peakRssMb: vmHwmMb(), heapMb: 0 }));
    return;
  }
  const t0 = process.hrtime.bigint();
  const bytes = readFileSync(input);
  const tRead = process.hrtime.bigint();
  let tPrepared = tRead;
  if (mode === 'floor') {
    createHash('sha256').update(bytes).digest();
    await writeFile(out, bytes);
  } else {
    const doc = PdfDocument.open(bytes);
    const prepared = prepareSignature(doc, {
      fieldName: 'Signature1',
      contentsSize: 16384,
      signingTime: new Date(),
      page: 1,
      rect: [100, 100, 300, 160],
    });
    tPrepared = process.hrtime.bigint();
    digestByteRange(prepared.parts, prepared.byteRange);
    const der = Buffer.alloc(7000, 0x41);
    der[0] = 0x30;
    der[1] = 0x82;
    der.writeUInt16BE(der.length - 4, 2);
    await writeParts(out, embedContents(prepared, der));
  }
  const t1 = process.hrtime.bigint();
  const ms = (a: bigint, b: bigint) => Number(b - a) / 1e6;
  process.stdout.write(
    JSON.stringify({ totalMs: ms(t0, t1), readMs: ms(t0, tRead), prepareMs: ms(tRead, tPrepared), peakRssMb: vmHwmMb(), heapMb: process.memoryUsage().heapUsed / 2 ** 20 }),
  );
  execFileSync('rm', ['-f', out]);
}

async function main(): Promise<void> {
  const sizes = (process.argv.slice(2).length ? process.argv.slice(2) : ['10', '100']).map(Number);
  console.log(`machine: ${cpus().length} cores, ${cpus()[0]?.model}, node ${process.version}`);
  const base = spawnSync(process.execPath, [...process.execArgv, self, '--child', 'baseline', self], { encoding: 'utf8' });
  console.log(`process baseline (runtime and modules loaded, nothing read): peak RSS ${(JSON.parse(base.stdout) as { peakRssMb: number }).peakRssMb.toFixed(0)} MB`);
  for (const mb of sizes) {
    const classic = join(dir, `bench-${mb}mb.pdf`);
    if (!existsSync(classic)) writeFileSync(classic, makePdf(mb * 1024 * 1024));
    const xs = join(dir, `bench-${mb}mb-xs.pdf`);
    if (!existsSync(xs)) execFileSync('qpdf', ['--object-streams=generate', '--preserve-unreferenced', classic, xs]);
    for (const [label, file] of [['classic', classic], ['xref-stream', xs]] as const) {
      for (const mode of ['floor', 'sign']) {
        const runs = [0, 1, 2, 3, 4].map(() => {
          const r = spawnSync(process.execPath, [...process.execArgv, self, '--child', mode, file], { encoding: 'utf8' });
          if (r.status !== 0) throw new Error(r.stderr);
          return JSON.parse(r.stdout) as { totalMs: number; readMs: number; prepareMs: number; peakRssMb: number };
        });
        const best = runs.reduce((a, b) => (b.totalMs < a.totalMs ? b : a));
        const median = [...runs].sort((a, b) => a.totalMs - b.totalMs)[2]!;
        const peak = Math.max(...runs.map((r) => r.peakRssMb));
        console.log(
          `${mb} MB ${label.padEnd(11)} ${mode.padEnd(5)} best ${best.totalMs.toFixed(1)} ms, median ${median.totalMs.toFixed(1)} ms ` +
            `(read ${best.readMs.toFixed(1)}, open+prepare ${best.prepareMs.toFixed(2)}) ` +
            `runs ${runs.map((r) => r.totalMs.toFixed(0)).join('/')} ms, peak RSS ${peak.toFixed(0)} MB`,
        );
      }
    }
  }
}

if (process.argv[2] === '--child') await child(process.argv[3]!, process.argv[4]!);
else await main();
