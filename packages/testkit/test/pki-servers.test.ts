import { createHash, verify as verifySignature } from 'node:crypto';
import { readdir, readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revocationMeaning } from '@jitsuin/jpki';
import { CardSimulator, CARD_FILES, createTestPki, freePort, type PkiManifest, type PkiServers, startPkiServers } from '../src/pki/index.js';
import { openssl, x509 } from './pki-helpers.js';

/** The test PKI's servers, checked with Debian's openssl: OCSP, CRLs, the TSA, and the scenario controls. */

let root: string;
let dir: string;
let manifest: PkiManifest;
let servers: PkiServers;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'jitsuin-pki-srv-'));
  const port = await freePort();
  const pki = await createTestPki(join(root, 'pki'), { baseUrl: `http://127.0.0.1:${port}` });
  dir = pki.dir;
  manifest = pki.manifest;
  servers = await startPkiServers(dir);
});
afterAll(async () => {
  await servers?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

const card = (id: string) => join(dir, 'people', id);
const p = (rel: string) => join(dir, rel);

/** `openssl ocsp` against the server, trusting only the issuing generation's root. */
const ocsp = (cert: string, issuer: string, extra: string[] = []) =>
  openssl(['ocsp', '-issuer', issuer, '-cert', cert, '-url', servers.urls.ocsp, '-CAfile', issuer, ...extra]);
const ocspFor = (id: string) => ocsp(join(card(id), CARD_FILES.signingCert), join(card(id), CARD_FILES.signingCa));

async function fetchCrl(caId: string): Promise<string> {
  const res = await fetch(servers.urls.crl[caId]!);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/pkix-crl');
  const file = join(root, `${caId}-${Date.now()}.crl`);
  await writeFile(file, Buffer.from(await res.arrayBuffer()));
  return file;
}

const serialOf = (id: string) => x509(dir, join('people', id, CARD_FILES.signingCert)).serialNumber;

describe('OCSP responder (RFC 6960)', () => {
  it('answers good, signed by a delegated responder, echoing the nonce', async () => {
    const r = await ocspFor('yamada-taro');
    expect(r.out).toContain('Response verify OK');
    expect(r.out).toContain('signing-cert.pem: good');
    expect(r.out).not.toMatch(/WARNING|nonce/i);
    expect(r.code).toBe(0);
    // A generation-1 card: same issuer DN, so the responder must find the CA by key hash.
    expect((await ocspFor('suzuki-ichiro')).out).toContain('signing-cert.pem: good');
  });

  it('answers GET requests too', async () => {
    const reqFile = join(root, 'req.der');
    await openssl(['ocsp', '-issuer', join(card('yamada-taro'), CARD_FILES.signingCa), '-cert', join(card('yamada-taro'), CARD_FILES.signingCert), '-no_nonce', '-reqout', reqFile]);
    const b64 = (await readFile(reqFile)).toString('base64');
    const res = await fetch(`${servers.urls.ocsp}/${encodeURIComponent(b64)}`);
    expect(res.headers.get('content-type')).toBe('application/ocsp-response');
    const respFile = join(root, 'resp.der');
    await writeFile(respFile, Buffer.from(await res.arrayBuffer()));
    const r = await openssl(['ocsp', '-respin', respFile, '-issuer', join(card('yamada-taro'), CARD_FILES.signingCa), '-cert', join(card('yamada-taro'), CARD_FILES.signingCert), '-CAfile', join(card('yamada-taro'), CARD_FILES.signingCa)]);
    expect(r.out).toContain('Response verify OK');
    expect(r.out).toContain(': good');
  });

  it('can sign with the CA key instead of a delegated responder', async () => {
    servers.controls.ocsp({ signer: 'ca' });
    try {
      const r = await ocspFor('yamada-taro');
      expect(r.out).toContain('Response verify OK');
      expect(r.out).toContain(': good');
    } finally {
      servers.controls.ocsp({ signer: 'delegated' });
    }
  });

  it('answers unknown for a serial the CA never issued', async () => {
    const issuer = p(manifest.cas['jpki-sign-g2']!.cert);
    const r = await openssl(['ocsp', '-issuer', issuer, '-serial', '0x0123456789', '-url', servers.urls.ocsp, '-CAfile', issuer]);
    expect(r.out).toContain('0x0123456789: unknown');
  });

  it('goes down, says tryLater, or serves stale responses on demand', async () => {
    try {
      servers.controls.ocsp({ tryLater: true });
      expect((await ocspFor('yamada-taro')).out).toMatch(/Responder Error: trylater \(3\)/);
      servers.controls.ocsp({ tryLater: false, stale: true });
      const stale = await ocspFor('yamada-taro');
      expect(stale.out).toContain('Status times invalid');
      servers.controls.ocsp({ stale: false, down: '503' });
      expect((await fetch(servers.urls.ocsp, { method: 'POST', body: new Uint8Array([0x30, 0x00]) })).status).toBe(503);
      servers.controls.ocsp({ down: 'reset' });
      await expect(fetch(servers.urls.ocsp, { method: 'POST', body: new Uint8Array([0x30, 0x00]) })).rejects.toThrow();
    } finally {
      servers.controls.ocsp({ down: false, tryLater: false, stale: false });
    }
    // The control endpoint does the same for another process.
    const res = await fetch(`${servers.urls.control}/ocsp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tryLater: true }) });
    expect(await res.json()).toMatchObject({ tryLater: true, down: false });
    expect((await ocspFor('yamada-taro')).out).toContain('trylater');
    servers.controls.ocsp({ tryLater: false });
    const bad = await fetch(`${servers.urls.control}/ocsp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ down: 'maybe' }) });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toContain('OCSP control down takes');
    const notJson = await fetch(`${servers.urls.control}/ocsp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect(notJson.status).toBe(400);
    // Bytes that are not an OCSPRequest: malformedRequest (1), unsigned.
    expect(await (await fetch(servers.urls.ocsp, { method: 'POST', body: new Uint8Array([1, 2, 3]) })).arrayBuffer()).toEqual(new Uint8Array([0x30, 0x03, 0x0a, 0x01, 0x01]).buffer);
  });
});

describe('revocation scenarios', () => {
  it('revokes with a reason: OCSP says revoked, the CRL lists it, and both verify', async () => {
    await servers.controls.revoke('yamada-taro', 'signing', 'affiliationChanged');
    const r = await ocspFor('yamada-taro');
    expect(r.out).toContain('Response verify OK');
    expect(r.out).toContain('signing-cert.pem: revoked');
    expect(r.out).toContain('Reason: affiliationChanged');

    const crl = await fetchCrl('jpki-sign-g2');
    const verified = await openssl(['crl', '-inform', 'DER', '-in', crl, '-CAfile', p(manifest.cas['jpki-sign-g2']!.cert), '-noout']);
    expect(verified.out).toContain('verify OK');
    // Same issuer DN, other key: the other generation's root must not verify it.
    const wrongGeneration = await openssl(['crl', '-inform', 'DER', '-in', crl, '-CAfile', p(manifest.cas['jpki-sign-g1']!.cert), '-noout']);
    expect(wrongGeneration.out).toContain('verify failure');
    const text = (await openssl(['crl', '-inform', 'DER', '-in', crl, '-noout', '-text'])).out;
    expect(text).toContain(`Serial Number: ${serialOf('yamada-taro')}`);
    expect(text).toMatch(/CRL Reason Code:\s+Affiliation Changed/);
    expect(text).toMatch(/Next Update: /);
    expect(text).toContain('Authority Key Identifier');
    // The authentication certificate stays good: the facts changed, the person did not leave.
    expect(revocationMeaning({ signing: servers.controls.status('yamada-taro').signing, auth: servers.controls.status('yamada-taro').auth }).code).toBe('FACTS_CHANGED');
  });

  it('puts a card on hold over the HTTP controls', async () => {
    const res = await fetch(`${servers.urls.control}/hold`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ person: 'sato-misaki' }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ reason: 'certificateHold', ca: 'jpki-sign-g2' });
    expect((await ocspFor('sato-misaki')).out).toContain('Reason: certificateHold');
    const bad = await fetch(`${servers.urls.control}/revoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ person: 'nobody', reason: 'keyCompromise' }) });
    expect(bad.status).toBe(404);
    expect((await bad.json()).error).toContain("no person 'nobody'");
    const reason = await fetch(`${servers.urls.control}/revoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ person: 'sato-misaki', reason: 'lost' }) });
    expect(reason.status).toBe(400);
  });

  it('tells death or emigration from a change of facts by the authentication certificate', async () => {
    await servers.controls.revoke('suzuki-ichiro', 'signing', 'affiliationChanged');
    await servers.controls.revoke('suzuki-ichiro', 'auth', 'affiliationChanged');
    const auth = await ocsp(join(card('suzuki-ichiro'), CARD_FILES.authCert), join(card('suzuki-ichiro'), CARD_FILES.authCa));
    expect(auth.out).toContain('auth-cert.pem: revoked');
    const status = servers.controls.status('suzuki-ichiro');
    expect(revocationMeaning(status).code).toBe('REMOVED_FROM_REGISTER');
    await expect(servers.controls.revoke('suzuki-ichiro', 'auth', 'keyCompromise')).rejects.toThrow(/already revoked/);
  });

  it('renews: a new certificate and key on the card, the old one revoked as superseded', async () => {
    const oldSerial = serialOf('yamada-hanako');
    const { issued, revoked } = await servers.controls.renew('yamada-hanako');
    expect(revoked).toMatchObject({ serial: oldSerial, reason: 'superseded' });
    expect(serialOf('yamada-hanako')).toBe(issued.serial);
    expect((await ocspFor('yamada-hanako')).out).toContain('signing-cert.pem: good');
    const history = await readdir(join(card('yamada-hanako'), CARD_FILES.history));
    expect(history).toContain(`${oldSerial}-signing-cert.pem`);
    const old = await ocsp(join(card('yamada-hanako'), CARD_FILES.history, `${oldSerial}-signing-cert.pem`), join(card('yamada-hanako'), CARD_FILES.signingCa));
    expect(old.out).toContain('Reason: superseded');

    const c = CardSimulator.open(card('yamada-hanako'));
    const data = Buffer.from('renewed');
    const di = Buffer.concat([Buffer.from('3031300d060960864801650304020105000420', 'hex'), createHash('sha256').update(data).digest()]);
    const pw = (await readFile(join(card('yamada-hanako'), CARD_FILES.password), 'utf8')).trim();
    expect(verifySignature('sha256', data, x509(dir, join('people/yamada-hanako', CARD_FILES.signingCert)).publicKey, await c.sign(di, pw))).toBe(true);
  });
});

describe('time-stamping authority (RFC 3161)', () => {
  it('issues a timestamp that openssl ts -verify accepts', async () => {
    const data = join(root, 'contract.pdf');
    await writeFile(data, '%PDF-1.7 pretend contract\n');
    const query = join(root, 'ts.tsq');
    await openssl(['ts', '-query', '-data', data, '-sha256', '-cert', '-out', query]);
    const res = await fetch(servers.urls.tsa, { method: 'POST', headers: { 'content-type': 'application/timestamp-query' }, body: await readFile(query) });
    expect(res.headers.get('content-type')).toBe('application/timestamp-reply');
    const reply = join(root, 'ts.tsr');
    await writeFile(reply, Buffer.from(await res.arrayBuffer()));

    const verified = await openssl(['ts', '-verify', '-data', data, '-in', reply, '-CAfile', p(manifest.trust.organisation), '-untrusted', p(manifest.tsa.cert)]);
    expect(verified.out).toContain('Verification: OK');
    const withNonce = await openssl(['ts', '-verify', '-queryfile', query, '-in', reply, '-CAfile', p(manifest.trust.organisation), '-untrusted', p(manifest.tsa.cert)]);
    expect(withNonce.out).toContain('Verification: OK');
    const text = (await openssl(['ts', '-reply', '-in', reply, '-text'])).out;
    expect(text).toContain(`Policy OID: ${manifest.tsa.policy}`);
    expect(text).toContain('Accuracy: 0x01 seconds');
    expect(text).toMatch(/Nonce: 0x[0-9A-F]+/);
  });

  it('refuses a SHA-1 imprint with badAlg', async () => {
    const data = join(root, 'x.txt');
    await writeFile(data, 'x');
    const query = join(root, 'sha1.tsq');
    await openssl(['ts', '-query', '-data', data, '-sha1', '-out', query]);
    const res = await fetch(servers.urls.tsa, { method: 'POST', body: await readFile(query) });
    const reply = join(root, 'sha1.tsr');
    await writeFile(reply, Buffer.from(await res.arrayBuffer()));
    const text = (await openssl(['ts', '-reply', '-in', reply, '-text'])).out;
    expect(text).toContain('Status: Rejected');
    expect(text).toContain('unrecognized or unsupported algorithm');
  });
});

describe('clock and persistence', () => {
  it('applies a revocation dated in the future when the clock reaches it', async () => {
    const at = new Date(servers.controls.now().getTime() + 2 * 86_400_000);
    await servers.controls.revoke('takahashi-ken', 'signing', 'keyCompromise', at);
    const serial = serialOf('takahashi-ken');
    const before = (await openssl(['crl', '-inform', 'DER', '-in', await fetchCrl('jpki-sign-g2'), '-noout', '-text'])).out;
    expect(before).not.toContain(serial);
    const res = await fetch(`${servers.urls.control}/advance-clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ms: 3 * 86_400_000 }) });
    const { now } = (await res.json()) as { now: string };
    expect(new Date(now).getTime()).toBeGreaterThan(at.getTime());
    const after = (await openssl(['crl', '-inform', 'DER', '-in', await fetchCrl('jpki-sign-g2'), '-noout', '-text'])).out;
    expect(after).toContain(serial);
    expect(after).toMatch(/CRL Reason Code:\s+Key Compromise/);
    const lastUpdate = (await openssl(['crl', '-inform', 'DER', '-in', await fetchCrl('jpki-sign-g2'), '-noout', '-lastupdate'])).out;
    expect(new Date(lastUpdate.replace('lastUpdate=', '').trim()).getTime()).toBeGreaterThan(Date.now() + 2 * 86_400_000);
  });

  it('keeps revocations across a server restart', async () => {
    const port = Number(new URL(servers.baseUrl).port);
    await servers.close();
    servers = await startPkiServers(dir, { port });
    const r = await ocspFor('yamada-taro');
    expect(r.out).toContain('Reason: affiliationChanged');
  });
});
