/**
 * One signing case of bench/sign.ts, in a process of its own (started by sign.ts; not run by hand):
 *
 *   sign-child TOOL IN.pdf OUT.pdf        (IN '-': load the tool and its key, sign nothing)
 *
 * with BENCH_SIGN_CTX = {"cardDir","cardPassword","p12","p12Password"} in the environment, and
 * BENCH_WARM=1 to sign the file once untimed before the timed signing (a warm process).
 * Each tool's modules are imported and its key loaded first (setupMs); totalMs is then reading
 * IN, signing at B-B and writing OUT, the same span for every tool. Prints one line
 * `RESULT {json}` with the phases and VmHWM of this process.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface ChildContext {
  cardDir: string;
  cardPassword: string;
  p12: string;
  p12Password: string;
}

export interface ChildResult {
  tool: string;
  setupMs: number;
  totalMs?: number;
  /** User + system CPU time of the process (all threads) over the timed span. */
  cpuMs?: number;
  phases?: Record<string, number>;
  cpuPhases?: Record<string, number>;
  hwmKb: number;
  outputBytes?: number;
}

type Run = (input: string, output: string, mark: (phase: string) => void) => Promise<number>;

function hwmKb(): number {
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN);
}

/** Imports the tool and loads its key; returns the timed part. */
async function setup(tool: string, ctx: ChildContext): Promise<Run> {
  switch (tool) {
    case 'floor':
      return async (input, output, mark) => {
        const bytes = readFileSync(input);
        mark('read');
        createHash('sha256').update(bytes).digest();
        mark('hash');
        writeFileSync(output, bytes);
        mark('write');
        return bytes.length;
      };

    case 'ours': {
      // The card flow: prepare (hash), the card signs the DigestInfo, complete (inject).
      const { prepareSignature, completeSignature } = await import('@jitsuin/signer');
      // The card simulator's own module (@jitsuin/testkit/pki's CardSimulator): the package entry
      // also loads the test PKI's HTTP servers (express), about 11 MiB a signing process would
      // not carry (the card is on the phone); see --card-from-index.
      const { CardSimulator } = process.env.BENCH_CARD_FROM_INDEX ? await import('@jitsuin/testkit/pki') : await import('../packages/testkit/src/pki/card.js');
      const { writeParts } = await import('@jitsuin/pdf');
      const card = CardSimulator.open(ctx.cardDir);
      const certificate = card.signingCertificate();
      const chain = [card.issuerCertificate()];
      return async (input, output, mark) => {
        const pdf = readFileSync(input);
        mark('read');
        const pending = await prepareSignature(pdf, { placement: {}, level: 'B-B', signerCertificate: certificate, chain });
        mark('prepare');
        const signatureValue = await card.sign(pending.digestInfo, ctx.cardPassword);
        mark('card');
        // The same in-memory Buffer that was prepared: nothing to re-verify (baseVerified), as
        // the signing service does after its checked download.
        const { parts } = await completeSignature(pdf, pending, signatureValue, certificate, { baseVerified: true });
        mark('complete');
        await writeParts(output, parts);
        mark('write');
        return parts.reduce((n, p) => n + p.length, 0);
      };
    }

    case 'ours-seal': {
      const { signWith } = await import('@jitsuin/signer');
      const { Pkcs12Signer } = await import('@jitsuin/pades');
      const { writeParts } = await import('@jitsuin/pdf');
      const signer = await Pkcs12Signer.open(readFileSync(ctx.p12), ctx.p12Password);
      return async (input, output, mark) => {
        const pdf = readFileSync(input);
        mark('read');
        const { parts } = await signWith(pdf, signer, { placement: {}, level: 'B-B' });
        mark('sign');
        await writeParts(output, parts);
        mark('write');
        return parts.reduce((n, p) => n + p.length, 0);
      };
    }

    case 'signpdf': {
      // The documented way: load with pdf-lib, add the placeholder, save, sign (node-forge).
      const { PDFDocument } = await import('pdf-lib');
      const { pdflibAddPlaceholder } = await import('@signpdf/placeholder-pdf-lib');
      const { P12Signer } = await import('@signpdf/signer-p12');
      const { SUBFILTER_ETSI_CADES_DETACHED } = await import('@signpdf/utils');
      const signpdfModule = await import('@signpdf/signpdf');
      // A CommonJS module (exports.default = new SignPdf()): from ESM its instance is default.default.
      type SignPdf = { sign(pdf: Buffer, signer: unknown): Promise<Buffer> };
      const cjs = signpdfModule.default as unknown as SignPdf & { default?: SignPdf };
      const signpdf: SignPdf = cjs.default ?? cjs;
      // P12Signer keeps the bytes and decrypts the PKCS#12 in sign() (its design, timed); it
      // consumes its forge buffer, so an instance signs once: a new one per signing (no cost).
      const p12 = readFileSync(ctx.p12);
      return async (input, output, mark) => {
        const signer = new P12Signer(p12, { passphrase: ctx.p12Password });
        const bytes = readFileSync(input);
        mark('read');
        const pdfDoc = await PDFDocument.load(bytes);
        mark('load');
        pdflibAddPlaceholder({ pdfDoc, reason: 'bench', contactInfo: 'bench@example.invalid', name: 'bench', location: 'Tokyo', subFilter: SUBFILTER_ETSI_CADES_DETACHED });
        const withPlaceholder = Buffer.from(await pdfDoc.save());
        mark('placeholderAndSave');
        const signed = await signpdf.sign(withPlaceholder, signer);
        mark('sign');
        writeFileSync(output, signed);
        mark('write');
        return signed.length;
      };
    }

    case 'libpdf': {
      const { PDF, P12Signer } = await import('@libpdf/core');
      const signer = await P12Signer.create(readFileSync(ctx.p12), ctx.p12Password);
      return async (input, output, mark) => {
        const bytes = readFileSync(input);
        mark('read');
        const pdf = await PDF.load(bytes);
        mark('load');
        const { bytes: signed } = await pdf.sign({ signer, level: 'B-B' });
        mark('sign');
        writeFileSync(output, signed);
        mark('write');
        return signed.length;
      };
    }

    default:
      throw new Error(`unknown tool ${tool}`);
  }
}

async function main(): Promise<void> {
  const [tool, input, output] = process.argv.slice(2);
  if (!tool || !input || !output) throw new Error('usage: sign-child TOOL IN.pdf|- OUT.pdf');
  const ctx = JSON.parse(process.env.BENCH_SIGN_CTX ?? '{}') as ChildContext;
  const s0 = performance.now();
  const run = await setup(tool, ctx);
  const result: ChildResult = { tool, setupMs: performance.now() - s0, hwmKb: 0 };
  if (input !== '-') {
    // BENCH_WARM=1: sign the same file once first (output discarded), then time the second.
    if (process.env.BENCH_WARM) await run(input, output, () => {});
    const phases: Record<string, number> = {};
    const cpuPhases: Record<string, number> = {};
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let last = t0;
    let lastCpu = c0;
    const mark = (phase: string) => {
      const now = performance.now();
      const cpu = process.cpuUsage();
      phases[phase] = now - last;
      cpuPhases[phase] = (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000;
      last = now;
      lastCpu = cpu;
    };
    result.outputBytes = await run(input, output, mark);
    result.totalMs = performance.now() - t0;
    const c1 = process.cpuUsage(c0);
    result.cpuMs = (c1.user + c1.system) / 1000;
    result.phases = phases;
    result.cpuPhases = cpuPhases;
  }
  result.hwmKb = hwmKb();
  process.stdout.write(`\nRESULT ${JSON.stringify(result)}\n`);
}

await main();
