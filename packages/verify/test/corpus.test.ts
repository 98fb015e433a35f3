import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { malformedCorpus } from '@jitsuin/testkit';
import { createTestPki } from '@jitsuin/testkit/pki';
import type { CorpusAnswer, CorpusRequest, Outcome } from './corpus-child.js';

// Every PDF of the shared malformed corpus gets a verifyPdf answer (a report, or a typed
// INVALID_ARGUMENT) within 5 s and with bounded memory: as it is, and with a seal signature added
// by the project's signer where it can sign the file (none of the corpus is signed, and a signature
// makes verifyPdf run its chain, time and modification layers over the malformed structure). Each file is verified in a child process
// with a capped heap, which also reports its peak RSS: a file that loops is killed at the deadline,
// one that builds huge structures dies at the cap, and either fails its own test, not the run.
// (packages/pdf's corpus test does the same for the reader, in a worker thread; a child process
// here measures the memory of everything, Buffers included.)
const DEADLINE_MS = 5_000;
const HEAP_CAP_MB = 512;
/** Peak RSS allowed: the heap cap, the inflated file (the deflate bombs' PDFs are up to ~100 MB) and the runtime. */
const RSS_CAP_MB = 1024;

const files = malformedCorpus();
let child: ChildProcess | undefined;
let root: string | undefined;
let seal: CorpusRequest['seal'];

function start(): ChildProcess {
  const c = fork(new URL('./corpus-child.ts', import.meta.url).pathname, [], {
    execArgv: ['--import', 'tsx', `--max-old-space-size=${HEAP_CAP_MB}`],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  c.stderr?.resume();
  return c;
}

function stop(): void {
  child?.kill('SIGKILL');
  child = undefined;
}

function expectAnswer(o: Outcome | undefined, what: string): void {
  expect(o, what).toBeDefined();
  expect(o!.outcome, `${what}: ${o!.outcome === 'crash' ? o!.message : ''}`).not.toBe('crash');
  if (o!.outcome === 'refused') expect(o!.kind, `${what}: ${o!.message}`).toBe('INVALID_ARGUMENT');
  expect(o!.ms, what).toBeLessThan(DEADLINE_MS);
}

/** The child's answer for `path`, or a rejection when it dies or misses the deadline (it is then killed). */
function ask(path: string, deadline: number): Promise<CorpusAnswer> {
  const fresh = !child;
  child ??= start();
  const c = child;
  const request: CorpusRequest = fresh ? { path, seal } : { path };
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      c.off('message', onMessage);
      c.off('exit', onExit);
    };
    const onMessage = (a: CorpusAnswer) => {
      done();
      resolve(a);
    };
    const onExit = (code: number | null, signal: string | null) => {
      done();
      child = undefined;
      reject(new Error(`the verifier process died (code ${code}, signal ${signal}): over its ${HEAP_CAP_MB} MB heap?`));
    };
    const timer = setTimeout(() => {
      done();
      stop();
      reject(new Error(`no answer within ${deadline} ms`));
    }, deadline);
    c.on('message', onMessage);
    c.on('exit', onExit);
    c.send(request);
  });
}

describe('malformed corpus through verifyPdf', () => {
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'jitsuin-verify-corpus-'));
    const pki = await createTestPki(join(root, 'pki'));
    const s = pki.manifest.seals.lender!;
    seal = { p12: join(pki.dir, s.p12), password: s.password, trust: join(pki.dir, pki.manifest.trust.all) };
    await ask('', 60_000); // the child and its TypeScript loader start outside the per-file deadlines
  }, 120_000);
  afterAll(async () => {
    stop();
    if (root) await rm(root, { recursive: true, force: true });
  });
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') stop(); // start afresh after a file that broke the child
  });

  it.each(files.map((f) => [f.name, f.path]))(
    '%s: a report or INVALID_ARGUMENT within 5 s, bounded memory, as it is and signed',
    async (_name, path) => {
      // The deadline covers reading (and gunzipping) the file, both verifications and the signing.
      const a = await ask(path, 3 * DEADLINE_MS);
      expectAnswer(a.asIs, 'as it is');
      if (a.signed) {
        expectAnswer(a.signed, 'signed');
        // The seal just added is found and holds: intact, chained to its anchor, only its revocation unknown (offline, no DSS).
        if (a.signed.outcome === 'report') expect(a.signed.subIndications[a.signed.fields.indexOf('CorpusSeal')]).toBe('TRY_LATER');
      }
      expect(a.maxRssMb).toBeLessThan(RSS_CAP_MB);
    },
    4 * DEADLINE_MS,
  );
});
