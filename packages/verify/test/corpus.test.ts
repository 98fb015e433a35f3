import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { verifyPdfIntegrity, VerifyInputError } from '../src/index.js';

// Every PDF of the shared malformed corpus gets a report or a typed INVALID_ARGUMENT error within
// 5 s, never another exception. (The worker-thread isolation of packages/pdf's corpus test, for
// files that could hang the reader, is left to that package: the reader is the same.)
const corpus = resolve(process.env.JITSUIN_CORPUS ?? join(import.meta.dirname, '../../../../shared/corpus/malformed'));

function collect(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) return collect(path);
      return /\.pdf(\.gz)?$/i.test(entry) ? [path] : [];
    });
}

const files = collect(corpus);

describe.skipIf(files.length === 0)('malformed corpus', () => {
  it.each(files.map((f) => [relative(corpus, f), f]))('%s: a report or INVALID_ARGUMENT within 5 s', (_name, path) => {
    const raw = readFileSync(path);
    const bytes = path.endsWith('.gz') ? gunzipSync(raw, { maxOutputLength: 256 * 1024 * 1024 }) : raw;
    const started = performance.now();
    try {
      const report = verifyPdfIntegrity(bytes);
      expect(report.document.signatureCount).toBe(report.signatures.length);
    } catch (err) {
      expect(err).toBeInstanceOf(VerifyInputError);
    }
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
