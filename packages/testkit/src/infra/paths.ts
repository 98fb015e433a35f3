// Where the test infrastructure keeps its files. Everything is resolved from this module's
// location, not from process.cwd(), so it works from any package's test runner.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The monorepo root (this file is packages/testkit/src/infra/paths.ts). */
export const repoRoot = path.resolve(here, '../../../..');

/** Sources of the infra we build: the Kafka pom and the FerretDB Go main. */
export const infraSrcDir = path.join(repoRoot, 'packages/testkit/infra');

/** Gitignored runtime dir: cache/ (downloads, builds), run/ (pid + logs), data/ (state). */
export const jitsuinDir = path.join(repoRoot, '.jitsuin');
export const cacheDir = path.join(jitsuinDir, 'cache');
export const runDir = path.join(jitsuinDir, 'run');
export const dataDir = path.join(jitsuinDir, 'data');
