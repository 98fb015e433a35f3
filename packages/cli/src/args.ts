/** What the commands share in reading their arguments. */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** A mistake in how a command was called, or input it cannot use: one line, exit 2. */
export class UsageError extends Error {}

const CERT_FILE = /\.(pem|crt|cer)$/i;

/** The PEM text of each --trust file, or of every certificate file in a --trust directory. */
export async function readTrust(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const path of paths) {
    let st;
    try {
      st = await stat(path);
    } catch {
      throw new UsageError(`--trust ${path} does not exist`);
    }
    const files = st.isDirectory() ? (await readdir(path)).filter((n) => CERT_FILE.test(n)).sort().map((n) => join(path, n)) : [path];
    if (files.length === 0) throw new UsageError(`--trust ${path} holds no *.pem, *.crt or *.cer file`);
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`--trust ${file} holds no PEM CERTIFICATE block`);
      out.push(text);
    }
  }
  return out;
}
