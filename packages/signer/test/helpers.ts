import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Signer } from '@jitsuin/pades';
import { CARD_FILES, CardSimulator, createTestPki, freePort, type PkiManifest, type PkiServers, startPkiServers } from '@jitsuin/testkit/pki';

const exec = promisify(execFile);

/** The repository root (packages/signer/test/../../..). */
export const REPO = resolve(import.meta.dirname, '../../..');
/** pyHanko's venv, made by ./jitsuin (ensure_python_tools). */
export const PYTHON = join(REPO, '.jitsuin', 'venv', 'bin', 'python');

export interface Run {
  code: number;
  out: string;
  stdout: string;
  stderr: string;
}

/** Runs a tool; resolves with its exit code and output, never throws on a non-zero exit. */
export async function run(cmd: string, args: string[], o: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  try {
    const { stdout, stderr } = await exec(cmd, args, { cwd: o.cwd, encoding: 'utf8', timeout: o.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024, ...(o.env ? { env: o.env } : {}) });
    return { code: 0, out: `${stdout}${stderr}`, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string; message?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}${typeof e.code === 'number' ? '' : (e.message ?? '')}`, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

export interface PkiFixture {
  /** Temp directory for everything (PKI, PDFs); removed by close(). */
  root: string;
  dir: string;
  manifest: PkiManifest;
  servers: PkiServers;
  tsaUrl: string;
  path(rel: string): string;
  file(name: string, bytes: Uint8Array | string): Promise<string>;
  /** A sample person's card simulator as a Signer, the password read from the card directory. */
  card(id: string): Promise<Signer & { card: CardSimulator; password: string; dir: string }>;
  sealP12(id?: string): Promise<{ p12: Buffer; password: string; file: string }>;
  close(): Promise<void>;
}

/** A fresh test PKI in a temp directory, served on a free loopback port. */
export async function setupPki(prefix = 'jitsuin-signer-'): Promise<PkiFixture> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  const port = await freePort();
  const pki = await createTestPki(join(root, 'pki'), { baseUrl: `http://127.0.0.1:${port}` });
  const servers = await startPkiServers(pki.dir, { port });
  const f: PkiFixture = {
    root,
    dir: pki.dir,
    manifest: pki.manifest,
    servers,
    tsaUrl: servers.urls.tsa,
    path: (rel) => join(pki.dir, rel),
    async file(name, bytes) {
      const file = join(root, name);
      await writeFile(file, bytes);
      return file;
    },
    async card(id) {
      const dir = join(pki.dir, 'people', id);
      const card = CardSimulator.open(dir);
      const password = (await readFile(join(dir, CARD_FILES.password), 'utf8')).trim();
      return { card, password, dir, certificate: card.signingCertificate(), chain: [card.issuerCertificate()], sign: (digestInfo: Buffer) => card.sign(digestInfo, password) };
    },
    async sealP12(id = 'lender') {
      const seal = pki.manifest.seals[id]!;
      const file = join(pki.dir, seal.p12);
      return { p12: await readFile(file), password: seal.password, file };
    },
    async close() {
      await servers.close();
      await rm(root, { recursive: true, force: true });
    },
  };
  return f;
}
