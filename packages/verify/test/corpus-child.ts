/**
 * Runs in a child process for corpus.test.ts. For one corpus PDF at a time it answers with what
 * verifyPdf (every layer; offline, so no network) says of the file as it is, and, when the
 * project's signer can sign the file, of the file with a seal signature added (so that the
 * signature layers and the modification analysis run on the malformed structure too); with the
 * time verifyPdf took and the process's peak resident memory so far. The parent kills and replaces
 * this process when a file takes too long or the heap limit it was started with is reached.
 */
import { readFileSync } from 'node:fs';
import { JitsuinError } from '@jitsuin/errors';
import { Pkcs12Signer, type Signer } from '@jitsuin/pades';
import { signWith } from '@jitsuin/signer';
import { readCorpusFile } from '@jitsuin/testkit';
import { verifyPdf, type VerifyOptions } from '../src/index.js';

export type Outcome =
  | { outcome: 'report'; indication: string; subIndications: (string | null)[]; fields: string[]; ms: number }
  | { outcome: 'refused'; kind: string; message: string; ms: number }
  | { outcome: 'crash'; message: string; ms: number };

export interface CorpusAnswer {
  asIs?: Outcome;
  /** The file with a seal added; undefined when the signer refused the file (a typed error), with why. */
  signed?: Outcome;
  notSigned?: string;
  maxRssMb: number;
}

export interface CorpusRequest {
  path: string;
  /** Set once, with the first request: the seal to sign with and the trust anchors. */
  seal?: { p12: string; password: string; trust: string };
}

let seal: Signer | undefined;
let options: VerifyOptions = { offline: true, revocation: [] };
const maxRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function verify(bytes: Buffer): Promise<Outcome> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const report = await verifyPdf(bytes, options);
    if (report.document.signatureCount !== report.signatures.length) throw new Error('signatureCount differs from the signatures reported');
    return { outcome: 'report', indication: report.document.indication, subIndications: report.signatures.map((s) => s.subIndication), fields: report.signatures.map((s) => s.field), ms: ms() };
  } catch (error) {
    if (error instanceof JitsuinError) return { outcome: 'refused', kind: error.kind, message: error.message, ms: ms() };
    return { outcome: 'crash', message: error instanceof Error ? (error.stack ?? error.message) : String(error), ms: ms() };
  }
}

async function attempt(path: string): Promise<CorpusAnswer> {
  const bytes = readCorpusFile(path);
  const asIs = await verify(bytes);
  let signed: Buffer | undefined;
  let notSigned: string | undefined;
  try {
    signed = Buffer.concat((await signWith(bytes, seal!, { placement: { fieldName: 'CorpusSeal' }, level: 'B-B' })).parts);
  } catch (error) {
    // A file the signer refuses (typed) or trips on (a signer bug, not verifyPdf's): reported, then skipped.
    notSigned = error instanceof JitsuinError ? `${error.kind}: ${error.message}` : `signer crash: ${error instanceof Error ? error.message : String(error)}`;
  }
  return { asIs, ...(signed ? { signed: await verify(signed) } : {}), ...(notSigned ? { notSigned } : {}), maxRssMb: maxRssMb() };
}

process.on('message', (req: CorpusRequest) => {
  void (async (): Promise<CorpusAnswer> => {
    if (req.seal) {
      seal = await Pkcs12Signer.open(readFileSync(req.seal.p12), req.seal.password);
      options = { ...options, trustAnchors: [readFileSync(req.seal.trust, 'utf8')] };
    }
    return req.path === '' ? { maxRssMb: maxRssMb() } : attempt(req.path);
  })().then((a) => process.send!(a));
});
