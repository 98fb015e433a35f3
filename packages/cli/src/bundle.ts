import path from 'node:path';
import { build } from 'esbuild';
import { repoRoot } from '@jitsuin/testkit/infra';

/**
 * A service as it runs outside tests: one JavaScript file for plain node, built from its
 * TypeScript entry point. Running through tsx instead costs the service about 46 MiB of
 * memory for the compiler it carries (measured with bench/document.ts).
 */
export async function bundleService(entry: string, outFile: string): Promise<string> {
  await build({
    entryPoints: [path.join(repoRoot, entry)],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
    // Reads its .proto files beside its own code at run time: a dependency of every service.
    external: ['grpc-health-check'],
    // CommonJS dependencies inside an ES module need a require of their own.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  return outFile;
}
