import { createPrivateKey, webcrypto } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePkiEngine, toCertificate } from '@jitsuin/jpki';
import { KeySigner, Pkcs12Signer, type Signer } from '@jitsuin/pades';
import { CARD_FILES, CardSimulator, createTestPki, freePort, type PersonSpec, type PkiManifest, type PkiServers, SAMPLE_PEOPLE, startPkiServers } from '@jitsuin/testkit/pki';

/** People of the revocation tests, one per reason (a certificate is revoked once). */
export const REVOCATION_PEOPLE = ['affiliationChanged', 'cessationOfOperation', 'superseded', 'certificateHold', 'keyCompromise', 'after-ts', 'expiring'] as const;

export interface ValidationPki {
  dir: string;
  manifest: PkiManifest;
  servers: PkiServers;
  tsaUrl: string;
  /** PEM text of a trust bundle of the PKI (all, jpkiSigning, organisation). */
  trust(which: keyof PkiManifest['trust']): Promise<string>;
  /** PEM of one CA's certificate. */
  caPem(id: string): Promise<string>;
  card(id: string): Promise<Signer>;
  seal(id?: string): Promise<Signer>;
  /**
   * A signer with a re-made copy of the person's signing certificate: same serial and key,
   * other validity, signed by the CA `signedBy` (another generation makes a forged chain).
   */
  remadeCard(id: string, o: { notBefore?: Date; notAfter?: Date; signedBy?: string }): Promise<Signer>;
  close(): Promise<void>;
}

export async function setupValidationPki(): Promise<ValidationPki> {
  const root = await mkdtemp(join(tmpdir(), 'jitsuin-verify-v-'));
  const port = await freePort();
  const template = SAMPLE_PEOPLE[1]!;
  const extra: PersonSpec[] = REVOCATION_PEOPLE.map((id) => ({ ...template, id }));
  const pki = await createTestPki(join(root, 'pki'), { baseUrl: `http://127.0.0.1:${port}`, people: [...SAMPLE_PEOPLE, ...extra] });
  const servers = await startPkiServers(pki.dir, { port });
  const read = (rel: string) => readFile(join(pki.dir, rel), 'utf8');
  return {
    dir: pki.dir,
    manifest: pki.manifest,
    servers,
    tsaUrl: servers.urls.tsa,
    trust: (which) => read(pki.manifest.trust[which]),
    caPem: (id) => read(pki.manifest.cas[id]!.cert),
    async card(id) {
      const dir = join(pki.dir, 'people', id);
      const card = CardSimulator.open(dir);
      const password = (await readFile(join(dir, CARD_FILES.password), 'utf8')).trim();
      return { certificate: card.signingCertificate(), chain: [card.issuerCertificate()], sign: (digestInfo: Buffer) => card.sign(digestInfo, password) };
    },
    async seal(id = 'lender') {
      const s = pki.manifest.seals[id]!;
      return Pkcs12Signer.open(await readFile(join(pki.dir, s.p12)), s.password);
    },
    async remadeCard(id, o) {
      ensurePkiEngine();
      const person = pki.manifest.people[id]!;
      const dir = join(pki.dir, 'people', id);
      const cert = toCertificate(pemToDer(await readFile(join(dir, CARD_FILES.signingCert), 'utf8')));
      if (o.notBefore) cert.notBefore.value = o.notBefore;
      if (o.notAfter) cert.notAfter.value = o.notAfter;
      const caId = o.signedBy ?? person.signingCa;
      const caKeyPem = await read(pki.manifest.cas[caId]!.key);
      const pkcs8 = createPrivateKey(caKeyPem).export({ type: 'pkcs8', format: 'der' });
      const caKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
      await cert.sign(caKey as CryptoKey, 'SHA-256');
      const der = Buffer.from(cert.toSchema(true).toBER(false));
      const key = createPrivateKey(await readFile(join(dir, CARD_FILES.signingKey), 'utf8'));
      return new KeySigner(key, der, [pemToDer(await read(pki.manifest.cas[person.signingCa]!.cert))]);
    },
    async close() {
      await servers.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
}
