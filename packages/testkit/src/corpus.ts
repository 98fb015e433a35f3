import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { repoRoot } from './infra/paths.js';

/**
 * The corpus of malformed PDFs (packages/testkit/fixtures/malformed-pdfs, or JITSUIN_CORPUS):
 * every parser of outside PDFs is run over it.
 */
export const malformedCorpusDir = resolve(process.env.JITSUIN_CORPUS ?? join(repoRoot, 'packages/testkit/fixtures/malformed-pdfs'));

export interface CorpusFile {
  /** Path below the corpus directory, for test names. */
  name: string;
  path: string;
}

/** Every PDF of the corpus (`.pdf`, or gzipped `.pdf.gz`), in a stable order; none when absent. */
export function malformedCorpus(dir = malformedCorpusDir): CorpusFile[] {
  const walk = (at: string): string[] =>
    readdirSync(at)
      .sort()
      .flatMap((entry) => {
        const path = join(at, entry);
        if (statSync(path).isDirectory()) return walk(path);
        return /\.pdf(\.gz)?$/i.test(entry) ? [path] : [];
      });
  return existsSync(dir) ? walk(dir).map((path) => ({ name: relative(dir, path), path })) : [];
}

/** A corpus file's bytes, unzipped when gzipped (bounded: a bomb stays a test failure). */
export function readCorpusFile(path: string): Buffer {
  const raw = readFileSync(path);
  return path.endsWith('.gz') ? gunzipSync(raw, { maxOutputLength: 256 * 1024 * 1024 }) : raw;
}
