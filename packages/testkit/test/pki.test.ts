import { createHash, verify as verifySignature } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkJpkiSigningCertificate, readBasic4Facts } from '@jitsuin/jpki';
import { CardError, CardSimulator, CARD_FILES, createTestPki, type PkiManifest } from '../src/pki/index.js';
import { openssl, x509 } from './pki-helpers.js';

/** The test PKI's files: certificates shaped like JPKI's, seals, TSA, and the card simulator. */

const BASE = 'http://127.0.0.1:45999';
let dir: string;
let manifest: PkiManifest;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jitsuin-pki-'));
  const pki = await createTestPki(join(dir, 'pki'), { baseUrl: BASE });
  dir = pki.dir;
  manifest = pki.manifest;
  console.log(`test PKI init: ${pki.timing.keys} RSA-2048 keys in ${pki.timing.keysMs} ms, ${pki.timing.totalMs} ms in all`);
});
afterAll(async () => {
  if (dir) await rm(join(dir, '..'), { recursive: true, force: true });
});

const personCert = (id: string, file: string = CARD_FILES.signingCert) => x509(dir, join('people', id, file));

describe('test PKI certificates', () => {
  it('has the sample people, each with a card directory', () => {
    expect(Object.keys(manifest.people)).toEqual(expect.arrayContaining(['yamada-taro', 'yamada-hanako', 'suzuki-ichiro', 'sato-misaki', 'takahashi-ken', 'ito-sakura']));
    expect(manifest.people['yamada-taro']).toMatchObject({ role: 'borrower', dir: 'people/yamada-taro' });
  });

  it('carries the basic-4 facts in each signing certificate, and none in the authentication certificate', () => {
    for (const person of Object.values(manifest.people)) {
      const { dateOfBirthEra, nameFlags, addressFlags, ...facts } = readBasic4Facts(personCert(person.id).raw) ?? ({} as never);
      expect(facts).toEqual({ name: person.facts.name, gender: person.facts.gender, dateOfBirth: person.facts.dateOfBirth, address: person.facts.address });
      expect(nameFlags).toBe(person.facts.nameFlags ?? '0'.repeat([...person.facts.name].length));
      expect(addressFlags).toMatch(/^0+$/);
      expect(dateOfBirthEra).toMatch(/SHOWA|HEISEI/);
      expect(readBasic4Facts(personCert(person.id, CARD_FILES.authCert).raw)).toBeUndefined();
    }
    expect(readBasic4Facts(personCert('takahashi-ken').raw)?.nameFlags).toBe('1000');
  });

  it('meets the JPKI signing profile (test hierarchy), while authentication certificates do not', () => {
    const check = checkJpkiSigningCertificate(personCert('yamada-taro').raw, { allowTestHierarchy: true });
    expect(check).toEqual({ ok: true, problems: [], testHierarchy: true });
    expect(checkJpkiSigningCertificate(personCert('yamada-taro').raw).problems.map((p) => p.code)).toEqual(['TEST_HIERARCHY']);
    const auth = checkJpkiSigningCertificate(personCert('yamada-taro', CARD_FILES.authCert).raw, { allowTestHierarchy: true });
    expect(auth.problems.map((p) => p.code)).toContain('KEY_USAGE_BITS');
  });

  it('names issuer and subject as JPKI does, with revocation pointers at the base URL', async () => {
    const cert = personCert('yamada-taro');
    expect(cert.issuer).toBe('C=JP\nO=JPKI\nOU=JPKI for digital signature\nOU=Japan Agency for Local Authority Information Systems');
    expect(cert.subject).toMatch(/^C=JP\nL=東京都\nL=千代田区\nCN=\d{14}[0-9A-F]{8}\d{4}$/);
    expect(personCert('yamada-taro', CARD_FILES.authCert).issuer).toContain('OU=JPKI for user authentication');
    const text = (await openssl(['x509', '-in', join(dir, 'people/yamada-taro', CARD_FILES.signingCert), '-noout', '-text'])).out;
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Non Repudiation/);
    expect(text).toMatch(/X509v3 Certificate Policies: critical\s+Policy: 1\.2\.392\.200149\.8\.5\.1\.0\.20/);
    expect(text).toContain(`URI:${BASE}/crl/jpki-sign-g2.crl`);
    expect(text).toContain(`OCSP - URI:${BASE}/ocsp`);
    expect(text).toContain('Public-Key: (2048 bit)');
    expect(text).toContain('Signature Algorithm: sha256WithRSAEncryption');
  });

  it('ends a signing certificate on the 5th birthday after issue, at 23:59:59 JST', () => {
    const cert = personCert('yamada-taro');
    const end = new Date(cert.validTo);
    expect(end.toISOString().slice(5)).toBe('04-01T14:59:59.000Z');
    const years = end.getUTCFullYear() - new Date(cert.validFrom).getUTCFullYear();
    expect([4, 5]).toContain(years);
  });

  it('has two generations per root sharing one DN, told apart only by key', () => {
    for (const kind of ['sign', 'auth']) {
      const g1 = x509(dir, `ca/jpki-${kind}-g1/cert.pem`);
      const g2 = x509(dir, `ca/jpki-${kind}-g2/cert.pem`);
      expect(g1.subject).toBe(g2.subject);
      expect(g1.issuer).toBe(g1.subject);
      expect(g1.publicKey.export({ format: 'der', type: 'spki' }).equals(g2.publicKey.export({ format: 'der', type: 'spki' }))).toBe(false);
      expect(manifest.cas[`jpki-${kind}-g1`]!.keyId).not.toBe(manifest.cas[`jpki-${kind}-g2`]!.keyId);
    }
    // The guarantor's card is from generation 1: same issuer name, the other key.
    const g1 = x509(dir, 'ca/jpki-sign-g1/cert.pem');
    const g2 = x509(dir, 'ca/jpki-sign-g2/cert.pem');
    expect(personCert('suzuki-ichiro').issuer).toBe(personCert('yamada-taro').issuer);
    expect(personCert('suzuki-ichiro').verify(g1.publicKey)).toBe(true);
    expect(personCert('suzuki-ichiro').verify(g2.publicKey)).toBe(false);
    expect(personCert('yamada-taro').verify(g2.publicKey)).toBe(true);
  });

  it('matches the real J-LIS root DN byte for byte', async () => {
    // The real J-LIS roots (public certificates) are kept in packages/jpki/roots.
    const realRoot = fileURLToPath(new URL('../../jpki/roots/sign_ca_2023.pem', import.meta.url));
    if (!existsSync(realRoot)) return;
    const subjectDer = (pem: string) => {
      const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
      const cert = new pkijs.Certificate({ schema: asn1js.fromBER(der).result });
      return Buffer.from(cert.subject.toSchema().toBER(false)).toString('hex');
    };
    const ours = subjectDer(await readFile(join(dir, 'ca/jpki-sign-g1/cert.pem'), 'utf8'));
    expect(ours).toBe(subjectDer(await readFile(realRoot, 'utf8')));
  });

  it('chains to the trust bundles with openssl, both generations', async () => {
    const r = await openssl(['verify', '-CAfile', join(dir, manifest.trust.jpkiSigning), join(dir, 'people/yamada-taro', CARD_FILES.signingCert), join(dir, 'people/suzuki-ichiro', CARD_FILES.signingCert)]);
    expect(r.out).toContain('yamada-taro/signing-cert.pem: OK');
    expect(r.out).toContain('suzuki-ichiro/signing-cert.pem: OK');
    const org = await openssl(['verify', '-CAfile', join(dir, manifest.trust.organisation), join(dir, manifest.tsa.cert), join(dir, manifest.seals.lender!.cert)]);
    expect(org.code).toBe(0);
  });

  it('gives the TSA a critical timeStamping EKU and the OCSP responders OCSPSigning with ocsp-nocheck', async () => {
    const tsa = (await openssl(['x509', '-in', join(dir, manifest.tsa.cert), '-noout', '-ext', 'extendedKeyUsage'])).out;
    expect(tsa).toMatch(/Extended Key Usage: critical\s+Time Stamping/);
    const responder = (await openssl(['x509', '-in', join(dir, manifest.cas['jpki-sign-g2']!.ocspResponder.cert), '-noout', '-text'])).out;
    expect(responder).toMatch(/OCSP Signing/);
    expect(responder).toContain('OCSP No Check');
  });

  it('writes the seals as password-protected PKCS#12 that openssl opens', async () => {
    for (const seal of Object.values(manifest.seals)) {
      const p12 = join(dir, seal.p12);
      const ok = await openssl(['pkcs12', '-info', '-noout', '-in', p12, '-passin', `pass:${seal.password}`]);
      expect(ok.code, ok.out).toBe(0);
      expect(ok.out).toContain('Shrouded Keybag');
      const certs = await openssl(['pkcs12', '-in', p12, '-passin', `pass:${seal.password}`, '-nokeys']);
      expect(certs.out.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
      const wrong = await openssl(['pkcs12', '-info', '-noout', '-in', p12, '-passin', 'pass:WRONG123']);
      expect(wrong.code).not.toBe(0);
    }
  });

  it('keeps private keys readable by the owner only', async () => {
    expect((await stat(join(dir, 'people/yamada-taro', CARD_FILES.signingKey))).mode & 0o077).toBe(0);
    expect((await stat(join(dir, manifest.seals.agency!.p12))).mode & 0o077).toBe(0);
  });
});

/** DER DigestInfo for SHA-256 (with the NULL parameters). */
const digestInfo = (data: Buffer) => Buffer.concat([Buffer.from('3031300d060960864801650304020105000420', 'hex'), createHash('sha256').update(data).digest()]);

describe('card simulator', () => {
  const card = (id: string) => CardSimulator.open(join(dir, 'people', id));
  const password = async (id: string) => (await readFile(join(dir, 'people', id, CARD_FILES.password), 'utf8')).trim();

  it('signs a host-computed DigestInfo with RSA PKCS#1 v1.5 that verifies as RSA-SHA256 over the data', async () => {
    const c = card('yamada-taro');
    const data = Buffer.from('金銭消費貸借契約 signed attributes');
    const signature = await c.sign(digestInfo(data), await password('yamada-taro'));
    expect(signature).toHaveLength(256);
    const cert = x509(dir, 'people/yamada-taro/signing-cert.pem');
    expect(c.signingCertificate().equals(cert.raw)).toBe(true);
    expect(verifySignature('sha256', data, cert.publicKey, signature)).toBe(true);
    expect(verifySignature('sha256', Buffer.from('other'), cert.publicKey, signature)).toBe(false);
  });

  it('refuses what is not a SHA-256 DigestInfo, without costing a try', async () => {
    const c = card('sato-misaki');
    const pw = await password('sato-misaki');
    const hash = createHash('sha256').update('x').digest();
    await expect(c.sign(hash, pw)).rejects.toMatchObject({ code: 'NOT_DIGEST_INFO', kind: 'INVALID_ARGUMENT' });
    const sha1Info = Buffer.concat([Buffer.from('3021300906052b0e03021a05000414', 'hex'), createHash('sha1').update('x').digest()]);
    await expect(c.sign(sha1Info, pw)).rejects.toMatchObject({ code: 'NOT_SHA256' });
    const trailing = Buffer.concat([digestInfo(Buffer.from('x')), Buffer.from([0])]);
    await expect(c.sign(trailing, pw)).rejects.toMatchObject({ code: 'NOT_DIGEST_INFO' });
    // Without the NULL parameters is DER too.
    const noNull = new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: '2.16.840.1.101.3.4.2.1' })] }), new asn1js.OctetString({ valueHex: new Uint8Array(hash).buffer })] });
    await expect(c.sign(Buffer.from(noNull.toBER()), pw)).resolves.toHaveLength(256);
    expect(c.triesLeft()).toBe(5);
  });

  it('checks the password format before trying it', async () => {
    const c = card('sato-misaki');
    for (const bad of ['abc123', 'ABC12', 'ABCDEFGHIJ1234567', 'ABC 123', 'パスワード']) {
      await expect(c.sign(digestInfo(Buffer.from('x')), bad)).rejects.toMatchObject({ code: 'PASSWORD_FORMAT' });
    }
    expect(c.triesLeft()).toBe(5);
  });

  it('counts wrong passwords, resets on success, and locks for good after 5', async () => {
    const id = 'ito-sakura';
    const pw = await password(id);
    const di = digestInfo(Buffer.from('重要事項説明書'));
    const wrong = pw === 'WRONG1' ? 'WRONG2' : 'WRONG1';
    await expect(card(id).sign(di, wrong)).rejects.toMatchObject({ code: 'WRONG_PASSWORD', triesLeft: 4 });
    await card(id).sign(di, pw);
    expect(card(id).triesLeft()).toBe(5);
    for (let left = 4; left >= 1; left--) {
      const err = await card(id).sign(di, wrong).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CardError);
      expect(err).toMatchObject({ code: 'WRONG_PASSWORD', triesLeft: left, kind: 'INVALID_ARGUMENT' });
      expect((err as Error).message).toContain(`${left} ${left === 1 ? 'try' : 'tries'} left`);
    }
    await expect(card(id).sign(di, wrong)).rejects.toMatchObject({ code: 'LOCKED', kind: 'FAILED_PRECONDITION' });
    // The lock holds for the right password, and across a re-open (it lives beside the identity).
    await expect(card(id).sign(di, pw)).rejects.toMatchObject({ code: 'LOCKED' });
    expect(CardSimulator.open(join(dir, 'people', id)).triesLeft()).toBe(0);
  });

  it('says clearly when a directory is not a card', () => {
    expect(() => CardSimulator.open(join(dir, 'people'))).toThrow(expect.objectContaining({ code: 'NO_CARD', kind: 'NOT_FOUND' }));
  });
});
