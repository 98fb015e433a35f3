import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toCertificate } from '@jitsuin/jpki';
import { CertificateStore, readCertificates } from '@jitsuin/verify';
import { CardSimulator, createTestPki, remakeCertificate, SAMPLE_PEOPLE, type TestPki } from '@jitsuin/testkit/pki';
import { cardIssuer, cardRevocation, checkCardCertificate, serialOf } from './certificate.js';

// One test PKI for the file: making its keys is most of what these tests cost.
let root: string;
let pki: TestPki;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'jitsuin-signing-cert-'));
  pki = await createTestPki(join(root, 'pki'));
}, 180_000);
afterAll(() => rm(root, { recursive: true, force: true }));

// checkCardCertificate reads the card's certificate from its DER (no pkijs); these pin what it
// answers for real test-PKI cards: serial as pkijs gave it, validity, profile and facts.
describe('checkCardCertificate on test-PKI cards', () => {
  let cert: Buffer;
  const taro = SAMPLE_PEOPLE.find((p) => p.id === 'yamada-taro')!;
  const allow = { allowTestHierarchy: true, now: new Date() };

  beforeAll(() => {
    cert = CardSimulator.open(join(pki.dir, 'people', taro.id)).signingCertificate();
  });

  it('accepts the card whose facts the contract expects, with the serial pkijs read', () => {
    const pkijsSerial = Buffer.from(toCertificate(cert).serialNumber.valueBlock.valueHexView).toString('hex').toUpperCase();
    expect(checkCardCertificate(cert, taro.facts, allow)).toEqual({ serial: pkijsSerial });
    expect(serialOf(cert)).toBe(pkijsSerial);
    expect(pkijsSerial.replace(/^00/, '')).toBe(new X509Certificate(cert).serialNumber.toUpperCase());
  });

  it('refuses other facts, a time outside the validity, and the test hierarchy unless allowed', () => {
    expect(() => checkCardCertificate(cert, { ...taro.facts, name: '山田　次郎' }, allow)).toThrow("the certificate's name differs");
    const x509 = new X509Certificate(cert);
    const before = new Date(new Date(x509.validFrom).getTime() - 1000);
    const after = new Date(new Date(x509.validTo).getTime() + 1000);
    expect(() => checkCardCertificate(cert, taro.facts, { ...allow, now: before })).toThrow('not valid yet');
    expect(() => checkCardCertificate(cert, taro.facts, { ...allow, now: after })).toThrow('has expired');
    expect(() => checkCardCertificate(cert, taro.facts, { ...allow, allowTestHierarchy: false })).toThrow('JPKI test hierarchy');
    expect(() => checkCardCertificate(Buffer.from('not a certificate'), taro.facts, allow)).toThrow('not valid DER');
  });
});

describe('cardIssuer and cardRevocation on test-PKI cards', () => {
  let cas: { g1: Buffer; g2: Buffer };
  const store = (...ders: Buffer[]) => new CertificateStore(readCertificates(ders, 'CA'));
  const now = new Date();

  beforeAll(async () => {
    const pem = async (id: string) => Buffer.from(await readFile(join(pki.dir, pki.manifest.cas[id]!.cert)));
    cas = { g1: await pem('jpki-sign-g1'), g2: await pem('jpki-sign-g2') };
  });

  const card = (id: string) => CardSimulator.open(join(pki.dir, 'people', id)).signingCertificate();

  it('finds the generation that issued the card among roots of one DN, by key and signature', async () => {
    const taro = card('yamada-taro');
    const issuer = cardIssuer(taro, store(cas.g1, cas.g2), now);
    expect(issuer.sha256.equals(cardIssuer(taro, store(cas.g2, cas.g1), now).sha256)).toBe(true);
    expect(new X509Certificate(taro).checkIssued(issuer.x509)).toBe(true);
    const other = pki.manifest.people['yamada-taro']!.signingCa === 'jpki-sign-g1' ? cas.g2 : cas.g1;
    expect(() => cardIssuer(taro, store(other), now)).toThrow(/not issued by any of the 1 configured JPKI signing CAs/);
  });

  it("refuses a certificate naming its generation (DN and key identifier) but signed by the other generation's key", async () => {
    const own = pki.manifest.people['yamada-taro']!.signingCa;
    const otherCa = await pki.store.loadCa(own === 'jpki-sign-g1' ? 'jpki-sign-g2' : 'jpki-sign-g1');
    const forged = await remakeCertificate(card('yamada-taro'), { issuer: otherCa.issuer });
    expect(() => cardIssuer(forged.der, store(cas.g1, cas.g2), now)).toThrow(/no configured CA of that name and key signed it/);
  });

  it('refuses everything when no CA is configured', () => {
    expect(() => cardIssuer(card('yamada-taro'), store(), now)).toThrow(/no JPKI signing CAs are configured/);
  });

  it('a revoked answer is FAILED_PRECONDITION with its reason; no telling answer is UNAVAILABLE with what went wrong', () => {
    const at = new Date('2026-12-01T00:00:00Z');
    const revoked = { source: 'OCSP' as const, kind: 'ocsp' as const, status: 'revoked' as const, revokedAt: at, reason: 'keyCompromise' as const, thisUpdate: at, origin: 'OCSP http://ocsp.example' };
    expect(thrown(() => cardRevocation({ evidence: revoked, messages: [] }))).toMatchObject({
      kind: 'FAILED_PRECONDITION',
      code: 'CERTIFICATE_REVOKED',
      message: expect.stringMatching(/^the certificate is revoked \(keyCompromise since 2026-12-01T00:00:00.000Z, according to OCSP http:\/\/ocsp.example\): Revoked because the private key was compromised/),
    });
    expect(thrown(() => cardRevocation({ messages: ['the signer certificate: OCSP could not answer (refused)'] }))).toMatchObject({
      kind: 'UNAVAILABLE',
      message: expect.stringContaining('OCSP could not answer (refused)'),
    });
    const good = { ...revoked, status: 'good' as const };
    expect(cardRevocation({ evidence: good, messages: [] })).toBe(good);
  });
});

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}
