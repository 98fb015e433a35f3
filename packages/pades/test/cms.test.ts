import { createHash, verify, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assembleSignedData,
  buildSignedAttributes,
  createSignature,
  KeySigner,
  OID,
  PadesError,
  parseAttributes,
  parseSignedData,
  Pkcs12Signer,
  verifyRawSignature,
} from '../src/index.js';
import { JPKI_SIGNING_POLICY, JPKI_TEST_SIGNING_POLICY } from '@jitsuin/jpki';
import { children, DerError, oid as oidDer, readOid, readOne, readTlv } from '@jitsuin/der';
import { coveredBytes, openssl, opensslCmsVerify, type PkiFixture, setupPki } from './helpers.js';

/** The CMS steps of the card flow and of a seal, checked by openssl. No servers needed here. */

let f: PkiFixture;
beforeAll(async () => {
  f = await setupPki({ serve: false });
});
afterAll(async () => {
  await f?.close();
});

const signingRoot = (person: string) => f.path(f.manifest.cas[f.manifest.people[person]!.signingCa]!.cert);
const otherGenerationRoot = (person: string) => f.path(f.manifest.cas[f.manifest.people[person]!.signingCa === 'jpki-sign-g2' ? 'jpki-sign-g1' : 'jpki-sign-g2']!.cert);

/** A PadesError, or a DerError from the DER reader underneath (code BAD_DER), of this kind and code. */
async function expectPadesError(p: Promise<unknown> | (() => unknown), kind: string, code: string, message?: RegExp): Promise<PadesError | DerError> {
  let caught: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    caught = err;
  }
  expect(caught instanceof PadesError || caught instanceof DerError, String(caught)).toBe(true);
  const e = caught as PadesError | DerError;
  expect({ kind: e.kind, code: e.code }).toEqual({ kind, code });
  if (message) expect(e.message).toMatch(message);
  return e;
}

describe('card flow: build attributes → card signs → verify → assemble', () => {
  it('produces a detached CMS that openssl cms -verify accepts with the signing root of the right generation', async () => {
    for (const person of ['yamada-taro', 'suzuki-ichiro']) {
      const signer = await f.card(person);
      const { data, digest } = coveredBytes();
      // PrepareSignature: what goes to the card.
      const attrs = buildSignedAttributes({ documentDigest: digest, signerCertificate: signer.certificate });
      expect(attrs.digest).toEqual(createHash('sha256').update(attrs.der).digest());
      expect(attrs.digestInfo.subarray(0, 19).toString('hex')).toBe('3031300d060960864801650304020105000420');
      expect(attrs.digestInfo.subarray(19)).toEqual(attrs.digest);
      // The card pads and signs the DigestInfo.
      const signatureValue = await signer.sign(attrs.digestInfo);
      // CompleteSignature: check, then assemble.
      expect(verifyRawSignature(attrs.der, signatureValue, signer.certificate)).toBe(true);
      const cms = assembleSignedData({ signedAttrsDer: attrs.der, signatureValue, signerCertificate: signer.certificate, certificates: signer.chain });

      const ok = await opensslCmsVerify(f, `card-${person}`, cms, data, signingRoot(person));
      expect(ok.out).toContain('Verification successful');
      expect(ok.code).toBe(0);
      // OpenSSL understands the critical certificatePolicies: requiring the test JPKI policy
      // passes, requiring the production one does not.
      const testPolicy = await opensslCmsVerify(f, `card-${person}-policy`, cms, data, signingRoot(person), ['-policy_check', '-explicit_policy', '-policy', JPKI_TEST_SIGNING_POLICY]);
      expect(testPolicy.out).toContain('Verification successful');
      const prodPolicy = await opensslCmsVerify(f, `card-${person}-prod-policy`, cms, data, signingRoot(person), ['-policy_check', '-explicit_policy', '-policy', JPKI_SIGNING_POLICY]);
      expect(prodPolicy.code).not.toBe(0);
      // Same DN, other key: the other generation's root must not verify the chain.
      const wrongRoot = await opensslCmsVerify(f, `card-${person}-wrong-root`, cms, data, otherGenerationRoot(person));
      expect(wrongRoot.code).not.toBe(0);
      // Other content: the message digest no longer matches.
      const tampered = await opensslCmsVerify(f, `card-${person}-other-data`, cms, Buffer.concat([data, Buffer.from(' ')]), signingRoot(person));
      expect(tampered.code).not.toBe(0);
      expect(tampered.out).toMatch(/verification failure/i);
    }
  });

  it('writes content-type, message-digest and signing-certificate-v2 only, as a DER SET, and no signing-time', async () => {
    const signer = await f.card('yamada-taro');
    const { digest } = coveredBytes();
    const attrs = buildSignedAttributes({ documentDigest: digest, signerCertificate: signer.certificate });
    const parsed = parseAttributes(attrs.der, 'attrs');
    expect(parsed.map((a) => a.type).sort()).toEqual([OID.contentType, OID.messageDigest, OID.signingCertificateV2].sort());
    expect(parsed.map((a) => a.type)).not.toContain(OID.signingTime);
    // DER SET OF: elements ascending by their encodings.
    const encodings = parsed.map((a) => a.der);
    expect([...encodings].sort(Buffer.compare)).toEqual(encodings);
    // ESSCertIDv2: hash algorithm omitted (DEFAULT sha256), the certificate's SHA-256, issuerSerial.
    const scv2 = parsed.find((a) => a.type === OID.signingCertificateV2)!.values[0]!;
    const essCertId = children(children(readOne(scv2, 'scv2'))[0]!)[0]!;
    const [certHash, issuerSerial] = children(essCertId);
    expect(certHash!.content).toEqual(createHash('sha256').update(signer.certificate).digest());
    const [, serial] = children(issuerSerial!);
    expect(serial!.content.toString('hex').replace(/^00/, '').toUpperCase()).toBe(new X509Certificate(signer.certificate).serialNumber);
    // openssl's own reading of the attributes.
    const cms = assembleSignedData({ signedAttrsDer: attrs.der, signatureValue: await signer.sign(attrs.digestInfo), signerCertificate: signer.certificate, certificates: signer.chain });
    const printed = (await openssl(['cms', '-cmsout', '-print', '-inform', 'DER', '-in', await f.file('attrs.p7s', cms)])).out;
    expect(printed).toContain('id-smime-aa-signingCertificateV2');
    expect(printed).toContain('messageDigest');
    expect(printed).not.toContain('signingTime');
    expect(printed).toMatch(/eContent: <ABSENT>/);
  });

  it('keeps the signed attributes byte for byte, with one SignerInfo by issuerAndSerialNumber, and parses back', async () => {
    const signer = await f.card('yamada-hanako');
    const { digest } = coveredBytes();
    const attrs = buildSignedAttributes({ documentDigest: digest, signerCertificate: signer.certificate });
    const signatureValue = await signer.sign(attrs.digestInfo);
    const cms = assembleSignedData({ signedAttrsDer: attrs.der, signatureValue, signerCertificate: signer.certificate, certificates: [...signer.chain, signer.certificate, ...signer.chain] });
    const parsed = parseSignedData(cms);
    expect(parsed.signerInfoCount).toBe(1);
    expect(parsed.signedAttrsDer).toEqual(attrs.der);
    expect(parsed.messageDigest).toEqual(digest);
    expect(parsed.signatureValue).toEqual(signatureValue);
    expect(parsed.signingCertificateV2?.certIds[0]?.certHash).toEqual(createHash('sha256').update(signer.certificate).digest());
    expect(parsed.signingCertificateV2?.certIds[0]?.hash).toBe('sha256');
    // The chain without duplicates, signer first.
    expect(parsed.certificates).toEqual([signer.certificate, ...signer.chain]);
    expect(parsed.signatureTimestampToken).toBeUndefined();
    expect(parsed.contentType).toBe(OID.data);
    expect(parsed.eContent).toBeUndefined();
    expect(parsed.digestAlgorithms).toEqual([OID.sha256]);
    expect(parsed.version).toBe(1);
    const si = parsed.signerInfo;
    expect(si.digestAlgorithm).toBe(OID.sha256);
    expect(si.signatureAlgorithm).toBe(OID.sha256WithRSAEncryption);
    expect('issuerDer' in si.sid).toBe(true);
    // The signature in the CMS verifies over exactly those attribute bytes.
    expect(verify('sha256', parsed.signedAttrsDer!, new X509Certificate(signer.certificate).publicKey, parsed.signatureValue)).toBe(true);
    expect(parsed.length).toBe(cms.length);
    // A PDF /Contents holds the DER followed by zero padding: still parses, same length.
    const padded = Buffer.concat([cms, Buffer.alloc(100)]);
    expect(parseSignedData(padded).length).toBe(cms.length);
    await expectPadesError(() => parseSignedData(Buffer.concat([cms, Buffer.from([1])])), 'INVALID_ARGUMENT', 'BAD_DER', /not zero padding/);
    await expectPadesError(() => parseSignedData(cms.subarray(0, cms.length - 10)), 'INVALID_ARGUMENT', 'BAD_DER');
  });

  it('refuses a signature value of the wrong length, one that does not verify, and attributes made for another certificate', async () => {
    const signer = await f.card('sato-misaki');
    const other = await f.card('ito-sakura');
    const { digest } = coveredBytes();
    const attrs = buildSignedAttributes({ documentDigest: digest, signerCertificate: signer.certificate });
    const good = await signer.sign(attrs.digestInfo);

    await expectPadesError(() => verifyRawSignature(attrs.der, good.subarray(0, 255), signer.certificate), 'INVALID_ARGUMENT', 'SIGNATURE_LENGTH', /signature value is 255 bytes, the key needs 256/);
    await expectPadesError(() => verifyRawSignature(attrs.der, Buffer.concat([good, Buffer.from([0])]), signer.certificate), 'INVALID_ARGUMENT', 'SIGNATURE_LENGTH', /257 bytes, the key needs 256/);
    const tampered = Buffer.from(good);
    tampered[100]! ^= 0x01;
    await expectPadesError(() => verifyRawSignature(attrs.der, tampered, signer.certificate), 'INVALID_ARGUMENT', 'SIGNATURE_MISMATCH', /does not match this certificate/);
    // Signed by someone else's card: the signature does not match the certificate given.
    const byOther = await other.sign(attrs.digestInfo);
    await expectPadesError(() => verifyRawSignature(attrs.der, byOther, signer.certificate), 'INVALID_ARGUMENT', 'SIGNATURE_MISMATCH');
    // Over other attributes (another document).
    const attrs2 = buildSignedAttributes({ documentDigest: coveredBytes().digest, signerCertificate: signer.certificate });
    await expectPadesError(() => verifyRawSignature(attrs2.der, good, signer.certificate), 'INVALID_ARGUMENT', 'SIGNATURE_MISMATCH');
    // assembleSignedData checks the same before producing anything.
    await expectPadesError(() => assembleSignedData({ signedAttrsDer: attrs.der, signatureValue: tampered, signerCertificate: signer.certificate }), 'INVALID_ARGUMENT', 'SIGNATURE_MISMATCH');
    // Attributes prepared for one certificate, completed with another (whose card signed them).
    await expectPadesError(
      () => assembleSignedData({ signedAttrsDer: attrs.der, signatureValue: byOther, signerCertificate: other.certificate }),
      'INVALID_ARGUMENT',
      'KEY_CERTIFICATE_MISMATCH',
      /prepared for another certificate/,
    );
    // Not a SET of attributes at all.
    await expectPadesError(() => verifyRawSignature(Buffer.from('3000', 'hex'), good, signer.certificate), 'INVALID_ARGUMENT', 'BAD_DER');
    await expectPadesError(() => buildSignedAttributes({ documentDigest: Buffer.alloc(20), signerCertificate: signer.certificate }), 'INVALID_ARGUMENT', 'BAD_DER', /32-byte SHA-256/);
  });
});

describe('seal flow: a server-held key behind the same Signer interface', () => {
  it("signs with the testkit's PKCS#12 seal; openssl verifies it against the organisation root", async () => {
    const seal = f.manifest.seals.lender!;
    const signer = await Pkcs12Signer.open(await readFile(f.path(seal.p12)), seal.password);
    expect(signer.certificate.toString('base64')).toBe((await readFile(f.path(seal.cert), 'utf8')).replace(/-----[^-]+-----|\s/g, ''));
    expect(signer.chain).toHaveLength(1);
    const { data, digest } = coveredBytes();
    const { signedData, signatureValue, signedAttributes } = await createSignature({ documentDigest: digest, signer });
    expect(verifyRawSignature(signedAttributes.der, signatureValue, signer.certificate)).toBe(true);
    const ok = await opensslCmsVerify(f, 'seal', signedData, data, f.path(f.manifest.trust.organisation));
    expect(ok.out).toContain('Verification successful');
    // The JPKI roots do not vouch for a seal.
    expect((await opensslCmsVerify(f, 'seal-jpki', signedData, data, f.path(f.manifest.trust.jpkiSigning))).code).not.toBe(0);
  });

  it('opens a PKCS#12 written by openssl pkcs12 -export (OpenSSL 3 defaults), and a PEM key', async () => {
    const seal = f.manifest.seals.agency!;
    const p12 = `${f.root}/agency-openssl.p12`;
    const made = await openssl(['pkcs12', '-export', '-inkey', f.path(seal.key), '-in', f.path(seal.cert), '-certfile', f.path(f.manifest.cas.org!.cert), '-passout', 'pass:Ｐａｓｓ 秘密 word', '-out', p12]);
    expect(made.code).toBe(0);
    const fromOpenssl = await Pkcs12Signer.open(await readFile(p12), 'Ｐａｓｓ 秘密 word');
    const pem = KeySigner.fromPem({ key: await readFile(f.path(seal.key), 'utf8'), certificates: [await readFile(f.path(seal.cert), 'utf8'), await readFile(f.path(f.manifest.cas.org!.cert), 'utf8')] });
    expect(fromOpenssl.certificate).toEqual(pem.certificate);
    expect(fromOpenssl.chain).toEqual(pem.chain);
    const { data, digest } = coveredBytes();
    for (const [name, signer] of [['openssl-p12', fromOpenssl], ['pem', pem]] as const) {
      const { signedData } = await createSignature({ documentDigest: digest, signer });
      expect((await opensslCmsVerify(f, name, signedData, data, f.path(f.manifest.trust.organisation))).out).toContain('Verification successful');
    }
  });

  it('refuses a wrong PKCS#12 password, bytes that are not a PKCS#12, a key that is not the certificate’s, and non-DigestInfo input', async () => {
    const seal = f.manifest.seals.lender!;
    const p12 = await readFile(f.path(seal.p12));
    const wrong = await expectPadesError(Pkcs12Signer.open(p12, `${seal.password}X`), 'INVALID_ARGUMENT', 'P12_PASSWORD', /password is wrong/);
    expect(wrong.message).not.toContain(seal.password);
    await expectPadesError(Pkcs12Signer.open(p12, ''), 'INVALID_ARGUMENT', 'P12_PASSWORD');
    await expectPadesError(Pkcs12Signer.open(Buffer.from('not a key store'), seal.password), 'INVALID_ARGUMENT', 'P12_FORMAT');
    await expectPadesError(Pkcs12Signer.open(await readFile(f.path(seal.cert)), seal.password), 'INVALID_ARGUMENT', 'P12_FORMAT');
    await expectPadesError(
      () => KeySigner.fromPem({ key: readFileSyncUtf8(f.path(f.manifest.seals.agency!.key)), certificates: readFileSyncUtf8(f.path(seal.cert)) }),
      'INVALID_ARGUMENT',
      'KEY_CERTIFICATE_MISMATCH',
    );
    const signer = await Pkcs12Signer.open(p12, seal.password);
    await expectPadesError(signer.sign(Buffer.from('raw bytes, not a DigestInfo')), 'INVALID_ARGUMENT', 'NOT_DIGEST_INFO');
    // A p12 made with legacy 3DES encryption gets a clear "re-export" answer.
    const legacy = `${f.root}/legacy.p12`;
    const made = await openssl(['pkcs12', '-export', '-legacy', '-inkey', f.path(seal.key), '-in', f.path(seal.cert), '-passout', 'pass:LEGACY1', '-out', legacy]);
    if (made.code === 0) {
      await expectPadesError(Pkcs12Signer.open(await readFile(legacy), 'LEGACY1'), 'INVALID_ARGUMENT', 'P12_UNSUPPORTED', /re-export it with AES/);
    }
  });
});

const readFileSyncUtf8 = (p: string) => readFileSync(p, 'utf8');

describe('reading CMS made elsewhere, and bad bytes', () => {
  it('parses a CMS openssl wrote with indefinite lengths (BER), signingTime and rsaEncryption', async () => {
    const seal = f.manifest.seals.lender!;
    const { data } = coveredBytes();
    const content = await f.file('openssl-content.bin', data);
    const out = `${f.root}/openssl-ber.p7s`;
    const made = await openssl(['cms', '-sign', '-binary', '-stream', '-outform', 'DER', '-in', content, '-signer', f.path(seal.cert), '-inkey', f.path(seal.key), '-md', 'sha256', '-out', out]);
    expect(made.code).toBe(0);
    const der = await readFile(out);
    expect(der[1]).toBe(0x80); // indefinite length at the top: BER
    const parsed = parseSignedData(der);
    expect(parsed.signerInfoCount).toBe(1);
    expect(parsed.messageDigest).toEqual(createHash('sha256').update(data).digest());
    expect(parsed.signerInfo.signedAttributes.map((a) => a.type)).toContain(OID.signingTime);
    expect(parsed.length).toBe(der.length);
    expect(verify('sha256', parsed.signedAttrsDer!, new X509Certificate(parsed.certificates[0]!).publicKey, parsed.signatureValue)).toBe(true);
  });

  it('answers every mutation of a CMS with a PadesError (or DerError) or a parse, never a crash', async () => {
    const signer = await f.card('yamada-taro');
    const { digest } = coveredBytes();
    const attrs = buildSignedAttributes({ documentDigest: digest, signerCertificate: signer.certificate });
    const cms = assembleSignedData({ signedAttrsDer: attrs.der, signatureValue: await signer.sign(attrs.digestInfo), signerCertificate: signer.certificate, certificates: signer.chain });
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const others: unknown[] = [];
    for (let i = 0; i < 3000; i++) {
      const m = Buffer.from(cms);
      for (let k = 0, n = 1 + rand(3); k < n; k++) m[rand(i < 1500 ? 200 : m.length)] = rand(256);
      const cut = i % 7 === 0 ? m.subarray(0, rand(m.length)) : m;
      for (const attempt of [() => parseSignedData(cut), () => verifyRawSignature(cut.subarray(0, attrs.der.length), Buffer.alloc(256), signer.certificate)]) {
        try {
          attempt();
        } catch (err) {
          if (!(err instanceof PadesError || err instanceof DerError)) others.push(err);
        }
      }
    }
    expect(others.slice(0, 3)).toEqual([]);
    // Nesting deeper than the reader allows, and a length beyond the end.
    const deep = Buffer.concat([...Array.from({ length: 200 }, () => Buffer.from([0x30, 0x80])), Buffer.alloc(400)]);
    await expectPadesError(() => parseSignedData(deep), 'INVALID_ARGUMENT', 'BAD_DER', /nesting/);
    await expectPadesError(() => parseSignedData(Buffer.from([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x00])), 'INVALID_ARGUMENT', 'BAD_DER', /runs past the end/);
    await expectPadesError(() => parseSignedData(Buffer.alloc(5 * 1024 * 1024)), 'INVALID_ARGUMENT', 'TOO_LARGE');
  });
});

describe('DER helpers', () => {
  it('round-trip object identifiers', () => {
    for (const o of Object.values(OID)) expect(readOid(readTlv(Buffer.from(oidDer(o))), 'oid')).toBe(o);
  });
});
