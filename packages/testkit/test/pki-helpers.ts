import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs openssl; resolves with stdout+stderr and the exit code (never throws on a non-zero exit). */
export async function openssl(args: string[], cwd?: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run('/usr/bin/openssl', args, { cwd, encoding: 'utf8', timeout: 20_000 });
    return { code: 0, out: `${stdout}${stderr}` };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

export const x509 = (dir: string, rel: string) => new X509Certificate(readFileSync(join(dir, rel)));
