import { describe, expect, it } from 'vitest';
import { malformedCorpus, readCorpusFile } from '@jitsuin/testkit';
import { verifyPdfIntegrity, VerifyInputError } from '../src/index.js';

// Every PDF of the shared malformed corpus gets a report or a typed INVALID_ARGUMENT error within
// 5 s, never another exception. (The worker-thread isolation of packages/pdf's corpus test, for
// files that could hang the reader, is left to that package: the reader is the same.)
const files = malformedCorpus();

// Its presence is checked once, by packages/pdf's corpus test.
describe('malformed corpus', () => {
  it.each(files.map((f) => [f.name, f.path]))('%s: a report or INVALID_ARGUMENT within 5 s', (_name, path) => {
    const bytes = readCorpusFile(path);
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
