/** What the commands share in reading their arguments. */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in how a command was called, or input it cannot use: one line, exit 2. */
export class UsageError extends Error {}

/** node's parseArgs, strict, with positionals; what it refuses is a UsageError. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** The value of --at: an ISO-8601 time, or undefined when not given. */
export function parseAt(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const at = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(at.getTime())) throw new UsageError(`--at takes an ISO-8601 time (e.g. 2025-04-01T09:00:00Z), not '${value}'`);
  return at;
}

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
