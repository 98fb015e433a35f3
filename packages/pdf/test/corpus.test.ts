import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { malformedCorpus, malformedCorpusDir } from '@jitsuin/testkit';
import type { CorpusOutcome } from './corpus-worker.js';

// Every PDF of the shared malformed corpus gets a result or a typed error within 5 s. Each file
// is tried in a worker thread, so that a file that made the parser loop would fail its test by
// the runner's timeout instead of blocking the run; the thread is replaced after such a file.
const PER_FILE_TIMEOUT = 5_000;

const files = malformedCorpus();
let worker: Worker | undefined;
let pending = false;

function ask(path: string): Promise<CorpusOutcome> {
  if (!worker) {
    // The worker loads TypeScript through tsx's loader, registered in the thread itself.
    const tsxDir = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
    const tsxApi = pathToFileURL(join(tsxDir, 'dist/esm/api/index.mjs')).href;
    const entry = new URL('./corpus-worker.ts', import.meta.url).href;
    const boot = `import(${JSON.stringify(tsxApi)}).then((t) => { t.register(); return import(${JSON.stringify(entry)}); })`;
    worker = new Worker(boot, {
      eval: true,
      // Bounded memory: a file that makes the reader build huge structures kills the thread.
      resourceLimits: { maxOldGenerationSizeMb: 512 },
    });
  }
  const w = worker;
  pending = true;
  return new Promise<CorpusOutcome>((resolvePromise, reject) => {
    const cleanup = () => {
      w.off('message', onMessage);
      w.off('error', onError);
      w.off('exit', onExit);
    };
    const onMessage = (outcome: CorpusOutcome) => {
      cleanup();
      pending = false;
      resolvePromise(outcome);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`the worker exited with code ${code}`));
    };
    w.on('message', onMessage);
    w.on('error', onError);
    w.on('exit', onExit);
    w.postMessage(path);
  });
}

async function stopWorker(): Promise<void> {
  const w = worker;
  worker = undefined;
  pending = false;
  if (w) await w.terminate();
}

describe('malformed corpus', () => {
  beforeAll(async () => {
    await ask(''); // start the thread (and its TypeScript loader) outside the per-file timeouts
  }, 60_000);
  afterEach(async () => {
    if (pending) await stopWorker(); // the last file never answered: start afresh
  });
  afterAll(stopWorker);

  it('is present', () => {
    expect(files.length, `no PDFs under ${malformedCorpusDir}`).toBeGreaterThan(100);
  });

  it.each(files.map((f) => [f.name, f.path]))(
    '%s gets a result or a typed error',
    async (_name, path) => {
      const result = await ask(path);
      expect(result.outcome, result.outcome === 'crash' ? result.message : '').not.toBe('crash');
      if (result.outcome === 'refused') {
        expect(['INVALID_ARGUMENT', 'FAILED_PRECONDITION', 'RESOURCE_EXHAUSTED']).toContain(result.kind);
      }
    },
    PER_FILE_TIMEOUT,
  );
});
