import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CARD_FILES, CardSimulator, createTestPki, freePort, type PkiManifest, type PkiServers, startPkiServers } from '@jitsuin/testkit/pki';
import type { Signer } from '../src/index.js';

const run = promisify(execFile);

/** Debian's openssl; resolves with the exit code and stdout+stderr, never throws on failure. */
export async function openssl(args: string[], cwd?: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run('/usr/bin/openssl', args, { cwd, encoding: 'utf8', timeout: 30_000 });
    return { code: 0, out: `${stdout}${stderr}` };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

export interface PkiFixture {
  /** Temp directory for everything (PKI, files handed to openssl); removed afterwards. */
  root: string;
  dir: string;
  manifest: PkiManifest;
  servers?: PkiServers;
  /** Absolute path of a file of the PKI. */
  path(rel: string): string;
  /** A file in the temp directory with these bytes; returns its path. */
  file(name: string, bytes: Uint8Array | string): Promise<string>;
  /** The card simulator of a sample person, as a Signer (the password read from the card directory). */
  card(id: string): Promise<Signer & { card: CardSimulator }>;
  close(): Promise<void>;
}

/** A fresh test PKI in a temp directory, optionally served on a free loopback port. */
export async function setupPki(o: { serve: boolean }): Promise<PkiFixture> {
  const root = await mkdtemp(join(tmpdir(), 'jitsuin-pades-'));
  const port = await freePort();
  const pki = await createTestPki(join(root, 'pki'), { baseUrl: `http://127.0.0.1:${port}` });
  const servers = o.serve ? await startPkiServers(pki.dir, { port }) : undefined;
  return {
    root,
    dir: pki.dir,
    manifest: pki.manifest,
    ...(servers ? { servers } : {}),
    path: (rel) => join(pki.dir, rel),
    async file(name, bytes) {
      const f = join(root, name);
      await writeFile(f, bytes);
      return f;
    },
    async card(id) {
      const cardDir = join(pki.dir, 'people', id);
      const card = CardSimulator.open(cardDir);
      const password = (await readFile(join(cardDir, CARD_FILES.password), 'utf8')).trim();
      return { card, certificate: card.signingCertificate(), chain: [card.issuerCertificate()], sign: (digestInfo: Buffer) => card.sign(digestInfo, password) };
    },
    async close() {
      await servers?.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Stand-in for a PDF's ByteRange bytes, and its SHA-256 (the documentDigest). */
export function coveredBytes(size = 4096): { data: Buffer; digest: Buffer } {
  const data = Buffer.concat([Buffer.from('%PDF-1.7 pretend ByteRange of a mortgage contract\n'), randomBytes(size)]);
  return { data, digest: createHash('sha256').update(data).digest() };
}

/** `openssl cms -verify` of a detached CMS over `data`, trusting `caFile`. */
export async function opensslCmsVerify(f: PkiFixture, name: string, cms: Uint8Array, data: Uint8Array, caFile: string, extra: string[] = []) {
  const sig = await f.file(`${name}.p7s`, cms);
  const content = await f.file(`${name}.bin`, data);
  return openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', sig, '-content', content, '-CAfile', caFile, '-purpose', 'any', '-out', '/dev/null', ...extra]);
}
