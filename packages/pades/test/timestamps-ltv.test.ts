import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@jitsuin/testkit/pki';
import {
  addSignatureTimestamp,
  assembleSignedData,
  buildSignedAttributes,
  collectValidationData,
  createSignature,
  documentTimestamp,
  estimateDocumentTimestampSize,
  estimateSignatureSize,
  httpRevocationFetchers,
  PadesError,
  parseSignedData,
  Pkcs12Signer,
  probeTimestampTokenSize,
  requestTimestamp,
  type Signer,
  timestampSignature,
  verifyRawSignature,
  verifyTimestampToken,
} from '../src/index.js';
import { coveredBytes, openssl, opensslCmsVerify, type PkiFixture, setupPki } from './helpers.js';

/** Timestamps (B-T, document timestamps) and validation data (B-LT) against the test PKI's servers. */

let f: PkiFixture;
let tsaUrl: string;
beforeAll(async () => {
  f = await setupPki({ serve: true });
  tsaUrl = f.servers!.urls.tsa;
});
afterAll(async () => {
  await f?.close();
});

async function caught(p: Promise<unknown> | (() => unknown)): Promise<PadesError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    expect(err).toBeInstanceOf(PadesError);
    return err as PadesError;
  }
  throw new Error('expected a PadesError');
}

const pemOf = (der: Buffer) => new X509Certificate(der).toString();

/** Card flow up to the CMS (B-B). */
async function cardSignature(person: string) {
  const signer = await f.card(person);
  const { data, digest } = coveredBytes();
  const attrs = buildSignedAttributes({ documentDigest: digest, signerCertificate: signer.certificate });
  const signatureValue = await signer.sign(attrs.digestInfo);
  verifyRawSignature(attrs.der, signatureValue, signer.certificate);
  const cms = assembleSignedData({ signedAttrsDer: attrs.der, signatureValue, signerCertificate: signer.certificate, certificates: signer.chain });
  return { signer, data, digest, attrs, signatureValue, cms };
}

const signingRoot = (person: string) => f.path(f.manifest.cas[f.manifest.people[person]!.signingCa]!.cert);

describe('signature timestamp (B-T)', () => {
  it('adds a token over the signature value that openssl ts -verify accepts, leaving the signed attributes untouched', async () => {
    const { data, attrs, signatureValue, cms } = await cardSignature('yamada-taro');
    const { signedData, timestamp } = await timestampSignature(cms, tsaUrl);

    const parsed = parseSignedData(signedData);
    expect(parsed.signedAttrsDer).toEqual(attrs.der);
    expect(parsed.signatureValue).toEqual(signatureValue);
    expect(parsed.signatureTimestampToken).toEqual(timestamp.token);
    expect(parsed.signerInfo.unsignedAttributes.map((a) => a.type)).toEqual(['1.2.840.113549.1.9.16.2.14']);
    expect(parsed.certificates).toEqual(parseSignedData(cms).certificates);
    expect(Math.abs(timestamp.genTime.getTime() - f.servers!.controls.now().getTime())).toBeLessThan(60_000);
    expect(timestamp.policy).toBe(f.manifest.tsa.policy);
    expect(timestamp.imprint).toEqual(createHash('sha256').update(signatureValue).digest());

    const token = await f.file('bt-token.der', parsed.signatureTimestampToken!);
    const sigValue = await f.file('bt-sigvalue.bin', parsed.signatureValue);
    const tsaPem = await f.file('tsa.pem', pemOf(timestamp.tsaCertificate));
    const verified = await openssl(['ts', '-verify', '-in', token, '-token_in', '-data', sigValue, '-CAfile', f.path(f.manifest.trust.organisation), '-untrusted', tsaPem]);
    expect(verified.out).toContain('Verification: OK');
    // Over anything else, it fails.
    const other = await f.file('bt-other.bin', randomBytes(256));
    expect((await openssl(['ts', '-verify', '-in', token, '-token_in', '-data', other, '-CAfile', f.path(f.manifest.trust.organisation), '-untrusted', tsaPem])).out).not.toContain('Verification: OK');

    // The CMS with its timestamp still verifies over the content.
    expect((await opensslCmsVerify(f, 'bt', signedData, data, signingRoot('yamada-taro'))).out).toContain('Verification successful');
  });

  it('refuses a token that is not over this signature, and checks nonce, imprint and issuer of a token', async () => {
    const a = await cardSignature('yamada-hanako');
    const b = await cardSignature('ito-sakura');
    const tokenForB = (await requestTimestamp(tsaUrl, { data: parseSignedData(b.cms).signatureValue })).token;
    const mismatch = await caught(() => addSignatureTimestamp(a.cms, tokenForB));
    expect(mismatch).toMatchObject({ kind: 'INVALID_ARGUMENT', code: 'TIMESTAMP_MISMATCH' });

    const nonce = randomBytes(8);
    nonce[0] = 0x11;
    const ts = await requestTimestamp(tsaUrl, { data: a.signatureValue }, { nonce });
    expect(ts.nonce?.equals(nonce)).toBe(true);
    const otherNonce = Buffer.from(nonce);
    otherNonce[7]! ^= 1;
    expect(await caught(() => verifyTimestampToken(ts.token, { nonce: otherNonce }))).toMatchObject({ kind: 'UNAVAILABLE', code: 'TSA_BAD_TOKEN', message: expect.stringContaining('another nonce') });
    expect(await caught(() => verifyTimestampToken(ts.token, { imprint: randomBytes(32) }))).toMatchObject({ code: 'TSA_BAD_TOKEN', message: expect.stringContaining('other data') });
    // A CMS that is not a timestamp token (a person's signature): not a TSTInfo.
    expect(await caught(() => verifyTimestampToken(a.cms))).toMatchObject({ code: 'TSA_BAD_TOKEN', message: expect.stringContaining('TSTInfo') });
    // Token checks pass with the right values.
    expect(verifyTimestampToken(ts.token, { imprint: ts.imprint, nonce }).serialNumber).toBe(ts.serialNumber);

    // Damaged tokens: always a PadesError that says the token is bad, never a crash or a pass.
    const odd: unknown[] = [];
    const passedAt: number[] = [];
    for (let i = 0; i < 1500; i++) {
      const m = Buffer.from(ts.token);
      const at = (i * 7919) % m.length;
      m[at] = m[at]! ^ (1 + (i % 255));
      try {
        verifyTimestampToken(m, { imprint: ts.imprint, nonce });
        passedAt.push(at);
      } catch (err) {
        if (!(err instanceof PadesError) || !['TSA_BAD_TOKEN', 'TOO_LARGE'].includes(err.code)) odd.push(err);
      }
      try {
        addSignatureTimestamp(a.cms, m);
      } catch (err) {
        if (!(err instanceof PadesError)) odd.push(err);
      }
    }
    expect(odd.slice(0, 3)).toEqual([]);
    // A change may pass where nothing depends on it (the organisation root the token carries
    // along, the SignedData's digestAlgorithms list, NULL parameters), never inside what the TSA
    // signed or signed with: TSTInfo, signed attributes (their content), signature, TSA certificate.
    const parsedToken = parseSignedData(ts.token);
    const protectedParts = [parsedToken.eContent!, parsedToken.signedAttrsDer!.subarray(2), parsedToken.signatureValue, ts.tsaCertificate];
    const ranges = protectedParts.map((part) => {
      const at = ts.token.indexOf(part);
      expect(at).toBeGreaterThan(0);
      return [at, at + part.length] as const;
    });
    expect(passedAt.filter((at) => ranges.some(([from, to]) => at >= from && at < to))).toEqual([]);
  });

  it('stamps a seal in the same code path as a card (createSignature with a TSA)', async () => {
    const seal = f.manifest.seals.lender!;
    const signer = await Pkcs12Signer.open(await readFile(f.path(seal.p12)), seal.password);
    const { data, digest } = coveredBytes();
    const created = await createSignature({ documentDigest: digest, signer, timestamp: { tsaUrl } });
    expect(created.timestamp).toBeDefined();
    expect(parseSignedData(created.signedData).signatureTimestampToken).toEqual(created.timestamp!.token);
    expect((await opensslCmsVerify(f, 'seal-bt', created.signedData, data, f.path(f.manifest.trust.organisation))).out).toContain('Verification successful');
  });
});

describe('document timestamp (B-LTA)', () => {
  it('is a token over the ByteRange digest that openssl ts -verify -digest accepts', async () => {
    const { digest } = coveredBytes(10_000);
    const ts = await documentTimestamp(tsaUrl, digest);
    expect(ts.imprint).toEqual(digest);
    const token = await f.file('doc-ts.der', ts.token);
    const tsaPem = await f.file('doc-tsa.pem', pemOf(ts.tsaCertificate));
    const verified = await openssl(['ts', '-verify', '-digest', digest.toString('hex'), '-in', token, '-token_in', '-CAfile', f.path(f.manifest.trust.organisation), '-untrusted', tsaPem]);
    expect(verified.out).toContain('Verification: OK');
    expect(ts.token.length).toBeLessThanOrEqual(estimateDocumentTimestampSize({ tokenBytes: await probeTimestampTokenSize(tsaUrl) }));
    expect(ts.token.length).toBeLessThanOrEqual(estimateDocumentTimestampSize());
  });
});

describe('talking to a TSA', () => {
  let silent: Server;
  let flood: Server;
  let silentUrl: string;
  let floodUrl: string;
  beforeAll(async () => {
    const listen = async (s: Server) => {
      await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(s.address() as AddressInfo).port}/tsa`;
    };
    // Accepts the request and never answers.
    silent = createServer(() => undefined);
    silentUrl = await listen(silent);
    // Answers "a timestamp reply" that never ends, without a Content-Length.
    flood = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/timestamp-reply' });
      const chunk = Buffer.alloc(64 * 1024, 0x30);
      const pump = () => {
        while (res.write(chunk)) if (res.destroyed) return;
        res.once('drain', pump);
      };
      pump();
      res.on('error', () => undefined);
    });
    floodUrl = await listen(flood);
  });
  afterAll(async () => {
    for (const s of [silent, flood]) {
      s?.closeAllConnections();
      await new Promise((r) => s?.close(r));
    }
  });

  it('says what went wrong: unreachable, too slow, too much, not a TSA, HTTP errors, a refusal', async () => {
    const data = { data: Buffer.from('x') };
    const closed = `http://127.0.0.1:${await freePort()}/tsa`;
    expect(await caught(requestTimestamp(closed, data))).toMatchObject({ kind: 'UNAVAILABLE', code: 'HTTP_UNREACHABLE', message: expect.stringMatching(/could not be reached/) });
    const started = Date.now();
    expect(await caught(requestTimestamp(silentUrl, data, { timeoutMs: 300 }))).toMatchObject({ kind: 'DEADLINE_EXCEEDED', code: 'HTTP_TIMEOUT', message: expect.stringContaining('within 300 ms') });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await caught(requestTimestamp(floodUrl, data, { maxBytes: 100_000 }))).toMatchObject({ kind: 'UNAVAILABLE', code: 'HTTP_TOO_LARGE', message: expect.stringContaining('more than 100000 bytes') });
    expect(await caught(requestTimestamp(f.servers!.urls.crl['org']!, data))).toMatchObject({ code: 'HTTP_STATUS' }); // GET-only route: 404 to a POST
    expect(await caught(requestTimestamp(`${f.servers!.baseUrl}/nowhere`, data))).toMatchObject({ code: 'HTTP_STATUS', message: expect.stringContaining('HTTP 404') });
    expect(await caught(requestTimestamp('ftp://127.0.0.1/tsa', data))).toMatchObject({ kind: 'INVALID_ARGUMENT' });
    const refused = await caught(requestTimestamp(tsaUrl, data, { policy: '1.2.3.4' }));
    expect(refused).toMatchObject({ kind: 'UNAVAILABLE', code: 'TSA_REJECTED' });
    expect(refused.message).toMatch(/rejection: unacceptedPolicy/);
  });
});

describe('validation data (B-LT)', () => {
  const chainOf = (signer: Signer) => [signer.certificate, ...signer.chain];

  it('collects CRLs and OCSP responses for the signer and the TSA chains from the URLs in the certificates', async () => {
    const { signer, cms } = await cardSignature('yamada-taro');
    const { timestamp } = await timestampSignature(cms, tsaUrl);
    const vd = await collectValidationData({ certificates: [...chainOf(signer), timestamp.tsaCertificate, ...timestamp.certificates], fetch: httpRevocationFetchers({ timeoutMs: 5_000 }) });

    expect(vd.warnings).toEqual([]);
    expect(vd.ocsps).toHaveLength(2);
    expect(vd.crls).toHaveLength(2);
    const signerSerial = new X509Certificate(signer.certificate).serialNumber;
    const tsaSerial = new X509Certificate(timestamp.tsaCertificate).serialNumber;
    expect(vd.statuses.map((s) => `${s.serial}:${s.source}:${s.status}`).sort()).toEqual(
      [`${signerSerial}:ocsp:good`, `${signerSerial}:crl:good`, `${tsaSerial}:ocsp:good`, `${tsaSerial}:crl:good`].sort(),
    );
    // Every certificate given, once, plus the two delegated OCSP responders.
    const given = new Set([...chainOf(signer), timestamp.tsaCertificate, ...timestamp.certificates].map((c) => c.toString('hex')));
    expect(vd.certs.filter((c) => given.has(c.toString('hex')))).toHaveLength(given.size);
    expect(vd.certs).toHaveLength(given.size + 2);
    expect(new Set(vd.certs.map((c) => c.toString('hex'))).size).toBe(vd.certs.length);

    // openssl reads what was collected the same way: each OCSP response verifies for its
    // certificate, each CRL against its issuer (chosen by key: the JPKI generations share a DN).
    const cardDir = f.path('people/yamada-taro');
    const subjects = [
      { cert: `${cardDir}/signing-cert.pem`, issuer: `${cardDir}/signing-ca.pem` },
      { cert: f.path(f.manifest.tsa.cert), issuer: f.path(f.manifest.cas.org!.cert) },
    ];
    const ocspOk: string[] = [];
    for (const [i, r] of vd.ocsps.entries()) {
      const respin = await f.file(`ltv-ocsp-${i}.der`, r);
      for (const s of subjects) {
        const out = (await openssl(['ocsp', '-respin', respin, '-no_nonce', '-issuer', s.issuer, '-cert', s.cert, '-CAfile', s.issuer])).out;
        if (/Response verify OK/.test(out) && /: good/.test(out)) ocspOk.push(s.cert);
      }
    }
    expect(ocspOk.sort()).toEqual(subjects.map((s) => s.cert).sort());
    const crlOk: string[] = [];
    for (const [i, crl] of vd.crls.entries()) {
      const file = await f.file(`ltv-${i}.crl`, crl);
      for (const s of subjects) {
        if ((await openssl(['crl', '-inform', 'DER', '-in', file, '-noout', '-CAfile', s.issuer])).out.includes('verify OK')) crlOk.push(s.issuer);
      }
    }
    expect(crlOk.sort()).toEqual(subjects.map((s) => s.issuer).sort());
  });

  it('reports a revoked certificate, falls back to the CRL when OCSP is down, and fails clearly when nothing answers', async () => {
    const signer = await f.card('takahashi-ken');
    await f.servers!.controls.revoke('takahashi-ken', 'signing', 'keyCompromise');
    const revoked = await collectValidationData({ certificates: chainOf(signer), fetch: httpRevocationFetchers() });
    expect(revoked.statuses.map((s) => `${s.source}:${s.status}`).sort()).toEqual(['crl:revoked', 'ocsp:revoked']);
    expect(revoked.statuses.every((s) => s.revokedAt instanceof Date)).toBe(true);

    const guarantor = await f.card('suzuki-ichiro');
    f.servers!.controls.ocsp({ down: '503' });
    try {
      const crlOnly = await collectValidationData({ certificates: chainOf(guarantor), fetch: httpRevocationFetchers() });
      expect(crlOnly.ocsps).toEqual([]);
      expect(crlOnly.crls).toHaveLength(1);
      expect(crlOnly.warnings.join('\n')).toMatch(/OCSP .*HTTP 503/);
      f.servers!.controls.ocsp({ down: false, tryLater: true });
      const tryLater = await collectValidationData({ certificates: chainOf(guarantor), fetch: httpRevocationFetchers() });
      expect(tryLater.warnings.join('\n')).toMatch(/tryLater/);
    } finally {
      f.servers!.controls.ocsp({ down: false, tryLater: false });
    }

    const nothing = { crl: () => Promise.reject(new Error('no CRL here')), ocsp: () => Promise.reject(new Error('no OCSP here')) };
    const none = await caught(collectValidationData({ certificates: chainOf(guarantor), fetch: nothing }));
    expect(none).toMatchObject({ kind: 'UNAVAILABLE', code: 'NO_REVOCATION_DATA' });
    expect(none.message).toMatch(/no OCSP here.*no CRL here/);
    const lenient = await collectValidationData({ certificates: chainOf(guarantor), fetch: nothing, requireAll: false });
    expect(lenient).toMatchObject({ crls: [], ocsps: [] });
    expect(lenient.warnings.join('\n')).toMatch(/no revocation data could be collected/);

    // Without its issuer, a certificate's revocation data cannot be checked.
    expect(await caught(collectValidationData({ certificates: [guarantor.certificate], fetch: httpRevocationFetchers() }))).toMatchObject({ code: 'ISSUER_NOT_FOUND' });
    // Data from the wrong CA is refused, not stored: a CRL of another generation's root for this card.
    const wrongCrl = { ...httpRevocationFetchers(), crl: (_url: string) => httpRevocationFetchers().crl(f.servers!.urls.crl['jpki-sign-g2']!) };
    const wrong = await collectValidationData({ certificates: chainOf(guarantor), fetch: wrongCrl, sources: { ocsp: false }, requireAll: false });
    expect(wrong.crls).toEqual([]);
    expect(wrong.warnings.join('\n')).toMatch(/not signed by the certificate's issuer|not from the certificate's issuer/);
  });
});

describe('validation data for many signatures', () => {
  it('counts distinct certificates against its limit: the same chains given 20 times over are collected once', async () => {
    const signer = await f.card('yamada-hanako');
    const other = await f.card('ito-sakura');
    // What extend() gives for a document of 20 signatures: each one's chain, repeats and all
    // (here 40 as DER and 30 more as PEM: 70 given, 4 distinct).
    const given: (Buffer | string)[] = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? [signer.certificate, ...signer.chain] : [other.certificate, ...other.chain])).flat();
    given.push(...given.slice(0, 30).map((c) => pemOf(c as Buffer)));
    expect(given.length).toBeGreaterThan(64);
    const vd = await collectValidationData({ certificates: given, fetch: httpRevocationFetchers() });
    const distinct = new Set([signer.certificate, ...signer.chain, other.certificate, ...other.chain].map((c) => c.toString('hex')));
    expect(vd.certs.filter((c) => distinct.has(c.toString('hex')))).toHaveLength(distinct.size);
    expect(new Set(vd.certs.map((c) => c.toString('hex'))).size).toBe(vd.certs.length);
    expect(vd.statuses.filter((s) => s.status === 'good').length).toBeGreaterThanOrEqual(2);
  });

  it('refuses more distinct certificates than its limit before parsing any', async () => {
    const distinct = Array.from({ length: 65 }, () => randomBytes(32));
    const err = await caught(collectValidationData({ certificates: distinct, fetch: httpRevocationFetchers() }));
    expect(err).toMatchObject({ kind: 'INVALID_ARGUMENT', code: 'TOO_LARGE' });
    expect(err.message).toBe('65 distinct certificates is more than the 64 validation data is collected for');
  });
});

describe('placeholder size', () => {
  it('is exact for B-B and an upper bound for B-T, for every sample card and seal', async () => {
    const tokenBytes = await probeTimestampTokenSize(tsaUrl);
    const signers: Signer[] = [...(await Promise.all(['yamada-taro', 'suzuki-ichiro', 'takahashi-ken', 'ito-sakura'].map((p) => f.card(p))))];
    for (const s of Object.values(f.manifest.seals)) signers.push(await Pkcs12Signer.open(await readFile(f.path(s.p12)), s.password));
    for (const signer of signers) {
      const { digest } = coveredBytes();
      const bb = await createSignature({ documentDigest: digest, signer });
      expect(estimateSignatureSize({ signerCertificate: signer.certificate, certificates: signer.chain, timestamp: false }).bytes).toBe(bb.signedData.length);
      const bt = (await timestampSignature(bb.signedData, tsaUrl)).signedData;
      const guesses = [
        estimateSignatureSize({ signerCertificate: signer.certificate, certificates: signer.chain }),
        estimateSignatureSize({ signerCertificate: signer.certificate, certificates: signer.chain, timestamp: { tokenBytes } }),
        estimateSignatureSize({ signerCertificate: signer.certificate, certificates: signer.chain, timestamp: { tsaCertificates: [await readFile(f.path(f.manifest.tsa.cert), 'utf8'), await readFile(f.path(f.manifest.cas.org!.cert), 'utf8')] } }),
      ];
      for (const g of guesses) {
        expect(g.bytes).toBeGreaterThanOrEqual(bt.length);
        expect(g.signedData).toBe(bb.signedData.length);
      }
    }
  });
});
