import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Signer } from '@jitsuin/pades';
import { CARD_FILES, CardSimulator, createTestPki, freePort, type PkiManifest, type PkiServers, startPkiServers } from '@jitsuin/testkit/pki';

/** The repository root (packages/signer/test/../../..). */
export const REPO = resolve(import.meta.dirname, '../../..');
/** The tools that check our PDFs: pyHanko's venv (made by ./jitsuin), and a runner. */
export { PYTHON, run, type Run } from '@jitsuin/testkit/validators';

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
