import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toCertificate } from '@jitsuin/jpki';
import { CardSimulator, createTestPki, SAMPLE_PEOPLE } from '@jitsuin/testkit/pki';
import { checkCardCertificate, serialOf } from './certificate.js';

// checkCardCertificate reads the card's certificate from its DER (no pkijs); these pin what it
// answers for real test-PKI cards: serial as pkijs gave it, validity, profile and facts.
describe('checkCardCertificate on test-PKI cards', () => {
  let root: string;
  let cert: Buffer;
  const taro = SAMPLE_PEOPLE.find((p) => p.id === 'yamada-taro')!;
  const allow = { allowTestHierarchy: true, now: new Date() };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'jitsuin-signing-cert-'));
    const pki = await createTestPki(join(root, 'pki'));
    cert = CardSimulator.open(join(pki.dir, 'people', taro.id)).signingCertificate();
  }, 60_000);
  afterAll(() => rm(root, { recursive: true, force: true }));

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
