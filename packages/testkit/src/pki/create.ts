import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type * as pkijs from 'pkijs';
import { failedPrecondition } from '@jitsuin/errors';
import { CARD_FILES, newPin, newSigningPassword, writeCert, writeKey } from './card-files.js';
import { PkiControls } from './controls.js';
import { certDer, certKeyId, type Issuer, serialHex } from './issue.js';
import { generateRsaKeys, type RsaKey } from './keys.js';
import { type DnPart, JPKI_AUTH_ROOT_DN, JPKI_SIGNING_ROOT_DN, ORG_CA_DN, responderDn, TSA_DN } from './names.js';
import { buildPkcs12 } from './p12.js';
import { type PersonSpec, SAMPLE_PEOPLE, SAMPLE_SEALS } from './people.js';
import { toPem } from './pem.js';
import { DAY, issueOcspResponder, issuePersonAuth, issuePersonSigning, issueRoot, issueSeal, issueTsa, TEST_TSA_POLICY, YEAR } from './profiles.js';
import {
  type CaEntry,
  type CaKind,
  certKey,
  type CertKind,
  MANIFEST_FILE,
  type PersonEntry,
  type PkiManifest,
  type PkiState,
  PkiStore,
  type SealEntry,
  STATE_FILE,
  writeFileAtomic,
} from './store.js';
import { DEFAULT_BASE_URL, normaliseBaseUrl, pkiUrls } from './urls.js';

export interface TestPki {
  dir: string;
  manifest: PkiManifest;
  store: PkiStore;
  controls: PkiControls;
}

export interface InitTiming {
  keysMs: number;
  totalMs: number;
  keys: number;
}

interface CaPlan {
  id: string;
  label: string;
  kind: CaKind;
  generation?: number;
  subject: DnPart[];
  notBefore: Date;
  notAfter: Date;
}

/** Opens a PKI directory written by createTestPki. */
export function openTestPki(dir: string): TestPki {
  const store = new PkiStore(dir);
  return { dir, manifest: store.manifest(), store, controls: new PkiControls(store) };
}

async function ensureEmptyDir(dir: string): Promise<void> {
  if (PkiStore.exists(dir)) throw failedPrecondition(`${dir} already holds a test PKI; remove it or choose another directory`);
  if (existsSync(dir) && (await readdir(dir)).length > 0) throw failedPrecondition(`${dir} is not empty; a test PKI is written into a new or empty directory`);
  await mkdir(dir, { recursive: true });
}

/**
 * Writes a JPKI-like test PKI into `dir`: two generations of JPKI signing and authentication
 * roots (one DN each, different keys), the sample people's cards, an organisation CA with seals
 * (PEM and PKCS#12), a TSA and delegated OCSP responders. Every key is generated here, in
 * parallel. The private keys are test keys: keep the directory out of the repository.
 */
export async function createTestPki(dir: string, options: { baseUrl?: string; people?: PersonSpec[] } = {}): Promise<TestPki & { timing: InitTiming }> {
  const started = performance.now();
  const base = normaliseBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL);
  const people = options.people ?? SAMPLE_PEOPLE;
  await ensureEmptyDir(dir);
  const urls = pkiUrls(base);
  const now = new Date();
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const ahead = (ms: number) => new Date(now.getTime() + ms);

  const caPlans: CaPlan[] = [
    { id: 'jpki-sign-g1', label: 'JPKI signing root, generation 1', kind: 'jpki-signing', generation: 1, subject: JPKI_SIGNING_ROOT_DN, notBefore: ago(5 * YEAR), notAfter: ahead(5 * YEAR) },
    { id: 'jpki-sign-g2', label: 'JPKI signing root, generation 2', kind: 'jpki-signing', generation: 2, subject: JPKI_SIGNING_ROOT_DN, notBefore: ago(YEAR), notAfter: ahead(10 * YEAR) },
    { id: 'jpki-auth-g1', label: 'JPKI authentication root, generation 1', kind: 'jpki-auth', generation: 1, subject: JPKI_AUTH_ROOT_DN, notBefore: ago(5 * YEAR), notAfter: ahead(5 * YEAR) },
    { id: 'jpki-auth-g2', label: 'JPKI authentication root, generation 2', kind: 'jpki-auth', generation: 2, subject: JPKI_AUTH_ROOT_DN, notBefore: ago(YEAR), notAfter: ahead(10 * YEAR) },
    { id: 'org', label: 'Jitsuin test organisation CA', kind: 'organisation', subject: ORG_CA_DN, notBefore: ago(YEAR), notAfter: ahead(10 * YEAR) },
  ];

  // Every key at once: CA + responder per CA, TSA, seals, two per person.
  const keyCount = caPlans.length * 2 + 1 + SAMPLE_SEALS.length + people.length * 2;
  const keysStarted = performance.now();
  const keys = await generateRsaKeys(keyCount);
  const keysMs = performance.now() - keysStarted;
  const take = (): RsaKey => {
    const k = keys.pop();
    if (!k) throw new Error('ran out of generated keys');
    return k;
  };

  const state: PkiState = { clockOffsetMs: 0, certificates: {}, current: {} };
  const record = (ca: string, cert: pkijs.Certificate, kind: CertKind, file: string, holder?: string) => {
    const serial = serialHex(cert);
    state.certificates[certKey(ca, serial)] = { ca, serial, kind, holder, issuedAt: cert.notBefore.value.toISOString(), file };
    return serial;
  };

  // CAs and their delegated OCSP responders.
  const cas: Record<string, CaEntry> = {};
  const issuers: Record<string, Issuer> = {};
  for (const plan of caPlans) {
    const key = take();
    const cert = await issueRoot({ subject: plan.subject, spki: key.spki, key: key.signer, notBefore: plan.notBefore, notAfter: plan.notAfter, jpki: plan.kind !== 'organisation' });
    const issuer = { cert, key: key.signer };
    issuers[plan.id] = issuer;
    const caDir = join('ca', plan.id);
    await writeCert(join(dir, caDir, 'cert.pem'), cert);
    await writeKey(join(dir, caDir, 'key.pem'), key.privatePem);

    const rKey = take();
    const responder = await issueOcspResponder({ subject: responderDn(plan.label), ca: issuer, spki: rKey.spki, issuedAt: ago(DAY) });
    await writeCert(join(dir, caDir, 'ocsp-cert.pem'), responder);
    await writeKey(join(dir, caDir, 'ocsp-key.pem'), rKey.privatePem);
    record(plan.id, responder, 'ocsp-responder', join(caDir, 'ocsp-cert.pem'));

    cas[plan.id] = {
      id: plan.id,
      label: plan.label,
      kind: plan.kind,
      ...(plan.generation ? { generation: plan.generation } : {}),
      cert: join(caDir, 'cert.pem'),
      key: join(caDir, 'key.pem'),
      keyId: certKeyId(cert).toString('hex').toUpperCase(),
      crlUrl: urls.crl(plan.id),
      caIssuersUrl: urls.caCert(plan.id),
      ocspResponder: { cert: join(caDir, 'ocsp-cert.pem'), key: join(caDir, 'ocsp-key.pem') },
    };
  }
  const revocationUrls = (caId: string) => ({ crl: urls.crl(caId), ocsp: urls.ocsp, caIssuers: urls.caCert(caId) });
  const issuerOf = (id: string): Issuer => {
    const i = issuers[id];
    if (!i) throw new Error(`no CA ${id}`);
    return i;
  };

  // Trust bundles: both generations of each JPKI root, the organisation root, everything.
  const bundle = (ids: string[]) => ids.map((id) => toPem(certDer(issuerOf(id).cert), 'CERTIFICATE')).join('');
  const trust = { jpkiSigning: 'trust/jpki-signing-roots.pem', jpkiAuth: 'trust/jpki-auth-roots.pem', organisation: 'trust/organisation-roots.pem', all: 'trust/all-roots.pem' };
  await writeFileAtomic(join(dir, trust.jpkiSigning), bundle(['jpki-sign-g1', 'jpki-sign-g2']));
  await writeFileAtomic(join(dir, trust.jpkiAuth), bundle(['jpki-auth-g1', 'jpki-auth-g2']));
  await writeFileAtomic(join(dir, trust.organisation), bundle(['org']));
  await writeFileAtomic(join(dir, trust.all), bundle(caPlans.map((p) => p.id)));

  // People: a signing and an authentication certificate each, issued by their generation's roots.
  const peopleEntries: Record<string, PersonEntry> = {};
  let seq = 1;
  for (const person of people) {
    const signingCa = `jpki-sign-g${person.generation}`;
    const authCa = `jpki-auth-g${person.generation}`;
    const issuedAt = person.generation === 1 ? ago(2 * YEAR) : ago(DAY);
    const cardDir = join('people', person.id);
    const sKey = take();
    const aKey = take();
    const signing = await issuePersonSigning({ person, ca: issuerOf(signingCa), spki: sKey.spki, urls: revocationUrls(signingCa), issuedAt, seq: seq++ });
    const auth = await issuePersonAuth({ person, ca: issuerOf(authCa), spki: aKey.spki, urls: revocationUrls(authCa), issuedAt, seq: seq++ });
    const abs = (f: string) => join(dir, cardDir, f);
    await writeCert(abs(CARD_FILES.signingCert), signing);
    await writeKey(abs(CARD_FILES.signingKey), sKey.privatePem);
    await writeCert(abs(CARD_FILES.signingCa), issuerOf(signingCa).cert);
    await writeCert(abs(CARD_FILES.authCert), auth);
    await writeKey(abs(CARD_FILES.authKey), aKey.privatePem);
    await writeCert(abs(CARD_FILES.authCa), issuerOf(authCa).cert);
    await writeKey(abs(CARD_FILES.password), `${newSigningPassword()}\n`);
    await writeKey(abs(CARD_FILES.pin), `${newPin()}\n`);
    await writeFile(abs(CARD_FILES.info), `${JSON.stringify({ id: person.id, role: person.role, roleJa: person.roleJa }, null, 2)}\n`);
    const sSerial = record(signingCa, signing, 'signing', join(cardDir, CARD_FILES.signingCert), person.id);
    const aSerial = record(authCa, auth, 'auth', join(cardDir, CARD_FILES.authCert), person.id);
    state.current[person.id] = { signing: { ca: signingCa, serial: sSerial }, auth: { ca: authCa, serial: aSerial } };
    peopleEntries[person.id] = {
      id: person.id,
      role: person.role,
      roleJa: person.roleJa,
      dir: cardDir,
      signingCa,
      authCa,
      prefecture: person.prefecture,
      city: person.city,
      facts: person.facts,
      ...(person.registerName ? { registerName: person.registerName } : {}),
    };
  }

  // TSA, issued by the organisation CA.
  const org = issuerOf('org');
  const tKey = take();
  const tsaCert = await issueTsa({ subject: TSA_DN, ca: org, spki: tKey.spki, urls: revocationUrls('org'), issuedAt: ago(DAY) });
  await writeCert(join(dir, 'tsa/cert.pem'), tsaCert);
  await writeKey(join(dir, 'tsa/key.pem'), tKey.privatePem);
  record('org', tsaCert, 'tsa', 'tsa/cert.pem', 'tsa');

  // Organisation seals, also as password-protected PKCS#12 with the chain.
  const seals: Record<string, SealEntry> = {};
  for (const seal of SAMPLE_SEALS) {
    const key = take();
    const cert = await issueSeal({ seal, ca: org, spki: key.spki, urls: revocationUrls('org'), issuedAt: ago(DAY) });
    const sealDir = join('seals', seal.id);
    const password = newSigningPassword();
    await writeCert(join(dir, sealDir, 'cert.pem'), cert);
    await writeKey(join(dir, sealDir, 'key.pem'), key.privatePem);
    const pkcs8 = Buffer.from(key.privatePem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    await writeKey(join(dir, sealDir, 'seal.p12'), await buildPkcs12({ pkcs8, cert, chain: [org.cert], password, friendlyName: seal.organisation }));
    await writeKey(join(dir, sealDir, 'password'), `${password}\n`);
    record('org', cert, 'seal', join(sealDir, 'cert.pem'), seal.id);
    seals[seal.id] = { id: seal.id, role: seal.role, organisation: seal.organisation, ca: 'org', cert: join(sealDir, 'cert.pem'), key: join(sealDir, 'key.pem'), p12: join(sealDir, 'seal.p12'), password };
  }

  const manifest: PkiManifest = {
    format: 'jitsuin-test-pki/1',
    createdAt: now.toISOString(),
    baseUrl: base,
    urls: { ocsp: urls.ocsp, tsa: urls.tsa, crl: Object.fromEntries(caPlans.map((p) => [p.id, urls.crl(p.id)])) },
    cas,
    trust,
    people: peopleEntries,
    seals,
    tsa: { ca: 'org', cert: 'tsa/cert.pem', key: 'tsa/key.pem', policy: TEST_TSA_POLICY, url: urls.tsa },
  };
  await writeFileAtomic(join(dir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
  await writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(
    join(dir, 'README.txt'),
    'Jitsuin test PKI: fictitious people, throwaway keys generated on this machine.\nNever use these keys for anything real, and never commit this directory.\n',
  );
  const store = new PkiStore(dir);
  return { dir, manifest, store, controls: new PkiControls(store), timing: { keysMs: Math.round(keysMs), totalMs: Math.round(performance.now() - started), keys: keyCount } };
}
