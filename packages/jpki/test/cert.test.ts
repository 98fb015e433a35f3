import * as asn1js from 'asn1js';
import { describe, expect, it } from 'vitest';
import { basic4OtherNames, certificateOf, checkJpkiSigningCertificate, JPKI_SIGNING_POLICY, serialHexOf, toCertificate } from '../src/index.js';
import { der, ext, keyUsageExt, makeCert, policiesExt, sanExt } from './make-cert.js';

const facts = sanExt(basic4OtherNames({ name: '鈴木　一郎', gender: 'MALE', dateOfBirth: '1955-07-15', address: '神奈川県横浜市中区架空通４－５－６' }));

describe('certificateOf (the DER walk the profile check uses instead of pkijs)', () => {
  it('reads what pkijs reads: serial, algorithms, validity, key, extensions', async () => {
    for (const key of ['rsa2048', 'ec'] as const) {
      const cert = await makeCert({ extensions: [keyUsageExt(0xc0, 6), policiesExt([JPKI_SIGNING_POLICY]), facts], key });
      const view = certificateOf(der(cert));
      const pk = toCertificate(der(cert));
      expect(view.serial).toEqual(Buffer.from(pk.serialNumber.valueBlock.valueHexView));
      expect(serialHexOf(der(cert))).toBe(Buffer.from(pk.serialNumber.valueBlock.valueHexView).toString('hex').toUpperCase());
      expect(view.signatureAlgorithm).toBe(pk.signatureAlgorithm.algorithmId);
      expect(view.tbsSignatureAlgorithm).toBe(pk.signature.algorithmId);
      expect(view.publicKeyAlgorithm).toBe(pk.subjectPublicKeyInfo.algorithm.algorithmId);
      expect(view.publicKeyBits).toEqual(Buffer.from(pk.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView));
      // pkijs keeps validity at second precision, as the encoding does.
      expect(view.notBefore.getTime()).toBe(Math.floor(pk.notBefore.value.getTime() / 1000) * 1000);
      expect(view.notAfter.getTime()).toBe(Math.floor(pk.notAfter.value.getTime() / 1000) * 1000);
      expect([...view.extensions].map(([oid, e]) => [oid, e.critical, e.value.toString('hex')])).toEqual(
        pk.extensions!.map((e) => [e.extnID, e.critical, Buffer.from(e.extnValue.valueBlock.valueHexView).toString('hex')]),
      );
      // The elements CMS repeats byte for byte (parseCert of @jitsuin/pades reads them here too).
      expect(view.serialDer).toEqual(Buffer.from(cert.serialNumber.toBER()));
      expect(view.issuerDer).toEqual(Buffer.from(cert.issuer.toSchema().toBER()));
      expect(view.subjectDer).toEqual(Buffer.from(cert.subject.toSchema().toBER()));
      expect(view.spkiDer).toEqual(Buffer.from(cert.subjectPublicKeyInfo.toSchema().toBER()));
      // A pkijs certificate is read from its encoding, the same.
      expect(certificateOf(cert)).toEqual(view);
    }
  });

  it('keeps the first of an extension that occurs twice, which RFC 5280 forbids', async () => {
    const cert = await makeCert({ extensions: [keyUsageExt(0xc0, 6), keyUsageExt(0x80, 7, false)] });
    const first = Buffer.from(cert.extensions![0]!.extnValue.valueBlock.valueHexView);
    expect(certificateOf(der(cert)).extensions.get('2.5.29.15')).toEqual({ critical: true, value: first });
  });

  it("refuses bytes that are not a certificate with toCertificate's words", () => {
    expect(() => certificateOf(Buffer.from('not a certificate'))).toThrow('the certificate is not valid DER');
    expect(() => checkJpkiSigningCertificate(Buffer.from('not a certificate'))).toThrow('the certificate is not valid DER');
    const notCert = Buffer.from(new asn1js.Sequence({ value: [new asn1js.Integer({ value: 1 })] }).toBER());
    expect(() => certificateOf(notCert)).toThrow('the bytes are DER but not an X.509 certificate');
    expect(() => checkJpkiSigningCertificate(notCert)).toThrow('the bytes are DER but not an X.509 certificate');
    expect(() => toCertificate(notCert)).toThrow('the bytes are DER but not an X.509 certificate');
  });
});

describe('checkJpkiSigningCertificate reads DER and pkijs certificates alike', () => {
  it('gives the same answer for both forms of every profile case', async () => {
    const cases = [
      { extensions: [keyUsageExt(0xc0, 6), policiesExt([JPKI_SIGNING_POLICY]), facts] },
      { extensions: [keyUsageExt(0x80, 7)] },
      { extensions: [keyUsageExt(0xc0, 6, false), policiesExt([JPKI_SIGNING_POLICY]), facts], key: 'rsa1024' as const },
      { extensions: [policiesExt([JPKI_SIGNING_POLICY]), facts], key: 'ec' as const, hash: 'SHA-1' as const },
    ];
    for (const c of cases) {
      const cert = await makeCert(c);
      expect(checkJpkiSigningCertificate(der(cert))).toEqual(checkJpkiSigningCertificate(cert));
    }
  });

  it('takes a keyUsage that is not a BIT STRING, or policies that do not parse, as missing', async () => {
    const notBits = ext('2.5.29.15', true, new asn1js.OctetString({ valueHex: new Uint8Array([0xc0]).buffer }));
    const badPolicies = ext('2.5.29.32', false, new asn1js.Integer({ value: 7 }));
    const check = checkJpkiSigningCertificate(der(await makeCert({ extensions: [notBits, badPolicies, facts] })));
    expect(check.problems.map((p) => p.code)).toEqual(['KEY_USAGE_MISSING', 'POLICY_MISSING']);
  });

  it('reports the key length of a 1024-bit RSA key exactly', async () => {
    const check = checkJpkiSigningCertificate(der(await makeCert({ extensions: [keyUsageExt(0xc0, 6), policiesExt([JPKI_SIGNING_POLICY]), facts], key: 'rsa1024' })));
    expect(check.problems).toEqual([{ code: 'KEY_TOO_SHORT', message: "the certificate's RSA key has 1024 bits; at least 2048 are required" }]);
  });
});
