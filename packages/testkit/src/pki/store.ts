import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Basic4Facts, type RevocationReason } from '@jitsuin/jpki';
import { failedPrecondition, notFound } from '@jitsuin/errors';
import { type Issuer, parseCert } from './issue.js';
import { importSigningKey } from './keys.js';
import { fromPem } from './pem.js';

/**
 * The PKI directory: a manifest written once at init (what exists, where, which URLs), a state file
 * that changes (revocations, renewals, the clock offset), and PEM files. Paths in the manifest are
 * relative to the directory so it can be moved; its URLs are fixed at init, being in certificates.
 */

export type CaKind = 'jpki-signing' | 'jpki-auth' | 'organisation';

export interface CaEntry {
  id: string;
  label: string;
  kind: CaKind;
  generation?: number;
  cert: string;
  key: string;
  /** Subject key identifier, hex: the only way to tell JPKI generations apart. */
  keyId: string;
  crlUrl: string;
  caIssuersUrl: string;
  ocspResponder: { cert: string; key: string };
}

export interface PersonEntry {
  id: string;
  role: string;
  roleJa: string;
  /** Card directory (`--card DIR/people/NAME`). */
  dir: string;
  signingCa: string;
  authCa: string;
  prefecture: string;
  city: string;
  /** The facts as the certificate carries them (test fixtures, fictitious). */
  facts: Basic4Facts;
  registerName?: string;
}

export interface SealEntry {
  id: string;
  role: string;
  organisation: string;
  ca: string;
  cert: string;
  key: string;
  p12: string;
  password: string;
}

export interface PkiManifest {
  format: 'jitsuin-test-pki/1';
  createdAt: string;
  baseUrl: string;
  urls: { ocsp: string; tsa: string; crl: Record<string, string> };
  cas: Record<string, CaEntry>;
  trust: { jpkiSigning: string; jpkiAuth: string; organisation: string; all: string };
  people: Record<string, PersonEntry>;
  seals: Record<string, SealEntry>;
  tsa: { ca: string; cert: string; key: string; policy: string; url: string };
}

export type CertKind = 'signing' | 'auth' | 'seal' | 'tsa' | 'ocsp-responder';

export interface IssuedCert {
  ca: string;
  serial: string;
  kind: CertKind;
  holder?: string;
  issuedAt: string;
  file: string;
  revocation?: { reason: RevocationReason; at: string };
}

export interface CertRef {
  ca: string;
  serial: string;
}

export interface PkiState {
  clockOffsetMs: number;
  /** Every certificate issued, keyed `${ca}/${serialHex}`: what OCSP and CRLs answer from. */
  certificates: Record<string, IssuedCert>;
  /** Each person's current certificates, changed by renew. */
  current: Record<string, { signing: CertRef; auth: CertRef }>;
}

export const MANIFEST_FILE = 'manifest.json';
export const STATE_FILE = 'state.json';

export const certKey = (ca: string, serial: string) => `${ca}/${serial}`;

export interface LoadedCa {
  entry: CaEntry;
  issuer: Issuer;
  certDer: Buffer;
  responder: Issuer;
}

export class PkiStore {
  private manifestCache: PkiManifest | undefined;
  private readonly cas = new Map<string, Promise<LoadedCa>>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly dir: string) {}

  static exists(dir: string): boolean {
    return existsSync(join(dir, MANIFEST_FILE));
  }

  path(rel: string): string {
    return join(this.dir, rel);
  }

  manifest(): PkiManifest {
    if (!this.manifestCache) {
      if (!PkiStore.exists(this.dir)) throw notFound(`${this.dir} is not a test PKI (no ${MANIFEST_FILE}); create one with: ./jitsuin pki init ${this.dir}`);
      this.manifestCache = JSON.parse(readFileSync(this.path(MANIFEST_FILE), 'utf8')) as PkiManifest;
    }
    return this.manifestCache;
  }

  /** Read fresh each time, so a server sees changes another process made. */
  readState(): PkiState {
    return JSON.parse(readFileSync(this.path(STATE_FILE), 'utf8')) as PkiState;
  }

  /** The PKI's clock: real time plus the offset advanceClock added. */
  now(state: PkiState = this.readState()): Date {
    return new Date(Date.now() + state.clockOffsetMs);
  }

  /** Changes the state; changes in this process run one at a time and land atomically. */
  update<T>(change: (state: PkiState) => T | Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      const state = this.readState();
      const result = await change(state);
      await writeFileAtomic(this.path(STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
      return result;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  person(id: string): PersonEntry {
    const p = this.manifest().people[id];
    if (!p) throw notFound(`no person '${id}' in the test PKI; there are: ${Object.keys(this.manifest().people).join(', ')}`);
    return p;
  }

  seal(id: string): SealEntry {
    const s = this.manifest().seals[id];
    if (!s) throw notFound(`no seal '${id}' in the test PKI; there are: ${Object.keys(this.manifest().seals).join(', ')}`);
    return s;
  }

  issued(state: PkiState, ca: string, serial: string): IssuedCert {
    const c = state.certificates[certKey(ca, serial)];
    if (!c) throw failedPrecondition(`certificate ${serial} of ${ca} is not in the PKI state`);
    return c;
  }

  loadCa(id: string): Promise<LoadedCa> {
    let ca = this.cas.get(id);
    if (!ca) {
      ca = this.readCa(id);
      this.cas.set(id, ca);
    }
    return ca;
  }

  private async readCa(id: string): Promise<LoadedCa> {
    const entry = this.manifest().cas[id];
    if (!entry) throw notFound(`no CA '${id}' in the test PKI`);
    const read = async (cert: string, key: string): Promise<Issuer> => ({
      cert: parseCert(fromPem(await readFile(this.path(cert), 'utf8'), 'CERTIFICATE')),
      key: await importSigningKey(await readFile(this.path(key), 'utf8')),
    });
    const issuer = await read(entry.cert, entry.key);
    return { entry, issuer, certDer: Buffer.from(issuer.cert.toSchema().toBER(false)), responder: await read(entry.ocspResponder.cert, entry.ocspResponder.key) };
  }
}

export async function writeFileAtomic(file: string, data: string | Uint8Array, mode?: number): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, data, mode === undefined ? undefined : { mode });
  await rename(tmp, file);
}

