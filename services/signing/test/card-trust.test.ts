import { constants, privateEncrypt, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topics } from '@jitsuin/events';
import { RevisionKind } from '@jitsuin/proto/document/v1/document';
import { PadesLevel } from '@jitsuin/proto/signing/v1/signing';
import { connectStore } from '@jitsuin/store';
import { openTestPki, remakeCertificate, selfMadeCa, startPkiServers } from '@jitsuin/testkit/pki';
import { sessionModel } from '../src/store/sessions.js';
import { callUnary, collectEvents, getDocument, newDeal, startWorld, statusOf, type Deal, type SigningInstance, type World } from './harness.js';

/**
 * A card certificate is the signer's identity: PrepareSignature takes one only when a configured
 * JPKI signing root issued it (by key identifier and signature) and it is not revoked. Without
 * that, anyone who copies a person's basic-4 facts and the JPKI profile into a certificate of
 * their own key could sign in that person's name.
 */

let world: World;

beforeAll(async () => {
  world = await startWorld();
}, 180_000);
afterAll(async () => {
  await world?.close();
});

const BORROWER = 'yamada-taro';

function prepare(deal: Deal, signerCertificate: Buffer, instance: SigningInstance = world.signing) {
  const c = instance.client;
  return callUnary(c.prepareSignature.bind(c), {
    revision: deal.ref(),
    partyId: 'borrower',
    placement: undefined,
    level: PadesLevel.PADES_LEVEL_B_B,
    certify: 0,
    signerCertificate,
  });
}

/** What the deal has stored: its revision chain and the signing sessions of its contract. */
async function stored(deal: Deal) {
  const document = await getDocument(world, deal);
  const connection = await connectStore(world.signing.config.mongoUrl);
  try {
    return {
      head: document.headRevisionId,
      revisions: document.revisions.map((r) => r.id),
      sessions: await sessionModel(connection).countDocuments({ contractId: deal.contract.id }),
    };
  } finally {
    await connection.close();
  }
}

/** The borrower's own card signs for the borrower: prepare and complete succeed. */
async function borrowerSigns(deal: Deal, instance: SigningInstance = world.signing) {
  const { card, password } = world.card(BORROWER);
  const certificate = card.signingCertificate();
  const prepared = await prepare(deal, certificate, instance);
  const c = instance.client;
  const done = await callUnary(c.completeSignature.bind(c), {
    tenantId: deal.tenantId,
    sessionId: prepared.sessionId,
    signatureValue: await card.sign(prepared.digestInfo, password),
    certificate,
  });
  const document = await getDocument(world, deal);
  expect(document.headRevisionId).toBe(done.revisionId);
  expect(document.revisions.at(-1)).toMatchObject({ kind: RevisionKind.REVISION_KIND_SIGNATURE, madeBy: 'borrower' });
  return { certificate, done };
}

/**
 * `certificate` presented for the borrower is refused; nothing is stored (no session, no
 * revision) and the only event of the deal is the real borrower's signature after it.
 */
async function refusedThenBorrowerSigns(deal: Deal, certificate: Buffer, instance?: SigningInstance) {
  const events = await collectEvents(deal.tenantId, Topics.signature);
  try {
    const before = await stored(deal);
    expect(before.sessions).toBe(0);
    const refused = await statusOf(prepare(deal, certificate, instance));
    expect(await stored(deal)).toEqual(before);
    // Facts never appear in a refusal.
    expect(refused.details).not.toMatch(/山田|太郎|千代田|1980/);

    const real = await borrowerSigns(deal, instance);
    await expect.poll(() => events.events.length, { timeout: 20_000 }).toBe(1);
    const event = events.events[0]!;
    expect(event.type).toBe('signature.applied');
    expect(event.payload?.$case === 'signatureApplied' && event.payload.value).toMatchObject({
      partyId: 'borrower',
      certificateSerial: new X509Certificate(real.certificate).serialNumber.toUpperCase(),
    });
    return refused;
  } finally {
    await events.stop();
  }
}

/** The CA certificate (DER) of the borrower's card. */
const borrowerCa = () => world.card(BORROWER).card.issuerCertificate();

describe('a card certificate must come from a configured JPKI signing root', () => {
  it("the borrower's facts and the JPKI profile on the attacker's key, from a self-made CA with the JPKI root's name: INVALID_ARGUMENT", async () => {
    const deal = await newDeal(world);
    const ca = await selfMadeCa(borrowerCa());
    // Every extension of the real certificate is kept, the authority key identifier naming the real root too.
    const forged = await remakeCertificate(world.card(BORROWER).card.signingCertificate(), { issuer: ca, newKey: true });
    const refused = await refusedThenBorrowerSigns(deal, forged.der);
    expect(refused.code).toBe(status.INVALID_ARGUMENT);
    expect(refused.details).toMatch(/^the certificate was not issued by any of the 2 configured JPKI signing CAs/);
    // Which issuer it claims, so that an operator can tell a forgery from a missing root generation.
    expect(refused.details).toContain('OU=JPKI for digital signature');
    expect(refused.details).toContain(`with key identifier ${world.manifest.cas[world.manifest.people[BORROWER]!.signingCa]!.keyId.toLowerCase()}`);
  });

  it("the borrower's facts and the JPKI profile in a self-signed certificate: INVALID_ARGUMENT", async () => {
    const deal = await newDeal(world);
    const forged = await remakeCertificate(world.card(BORROWER).card.signingCertificate(), { issuer: 'self' });
    const refused = await refusedThenBorrowerSigns(deal, forged.der);
    expect(refused.code).toBe(status.INVALID_ARGUMENT);
    expect(refused.details).toMatch(/^the certificate was not issued by any of the 2 configured JPKI signing CAs \(SIGNING_CA_CERTS\): it is self-signed/);
  });

  it("the borrower's certificate re-made by the real test JPKI CA, expired: FAILED_PRECONDITION", async () => {
    const deal = await newDeal(world);
    const pki = openTestPki(world.pkiDir);
    const ca = await pki.store.loadCa(world.manifest.people[BORROWER]!.signingCa);
    const day = 86_400_000;
    const expired = await remakeCertificate(world.card(BORROWER).card.signingCertificate(), {
      issuer: ca.issuer,
      notBefore: new Date(Date.now() - 400 * day),
      notAfter: new Date(Date.now() - day),
    });
    const refused = await refusedThenBorrowerSigns(deal, expired.der);
    expect(refused.code).toBe(status.FAILED_PRECONDITION);
    expect(refused.details).toMatch(/the certificate has expired/);
  });

  it("a Complete with another certificate than the prepared one (the borrower's facts on the attacker's key): INVALID_ARGUMENT, nothing stored", async () => {
    const deal = await newDeal(world);
    const prepared = await prepare(deal, world.card(BORROWER).card.signingCertificate());
    const forged = await remakeCertificate(world.card(BORROWER).card.signingCertificate(), { issuer: await selfMadeCa(borrowerCa()), newKey: true });
    // What a card does with the DigestInfo: PKCS#1 v1.5 with its key, here the attacker's.
    const signature = privateEncrypt({ key: forged.key!.privatePem, padding: constants.RSA_PKCS1_PADDING }, prepared.digestInfo);
    const before = await stored(deal);
    const c = world.signing.client;
    const refused = await statusOf(callUnary(c.completeSignature.bind(c), { tenantId: deal.tenantId, sessionId: prepared.sessionId, signatureValue: signature, certificate: forged.der }));
    expect(refused.code).toBe(status.INVALID_ARGUMENT);
    expect(refused.details).toMatch(/not the one the signature was prepared for/);
    const after = await stored(deal);
    expect({ head: after.head, revisions: after.revisions }).toEqual({ head: before.head, revisions: before.revisions });
  });

  it('a signing CA generation that is not configured: INVALID_ARGUMENT (the roots share one DN; the key decides)', async () => {
    const deal = await newDeal(world);
    const other = Object.values(world.manifest.cas).find((c) => c.kind === 'jpki-signing' && c.id !== world.manifest.people[BORROWER]!.signingCa)!;
    const oneGeneration = await world.startSigning({ signingCaFiles: [join(world.pkiDir, other.cert)] });
    const refused = await statusOf(prepare(deal, world.card(BORROWER).card.signingCertificate(), oneGeneration));
    expect(refused.code).toBe(status.INVALID_ARGUMENT);
    expect(refused.details).toMatch(/^the certificate was not issued by any of the 1 configured JPKI signing CAs/);
    expect((await stored(deal)).sessions).toBe(0);
  });
});

describe('a card certificate must not be revoked', () => {
  it('a certificate of the real test JPKI CA, revoked when the card was renewed: FAILED_PRECONDITION naming the revocation; the new card signs', async () => {
    const deal = await newDeal(world);
    // A service of its own: another one may hold an earlier "good" answer for this certificate until its nextUpdate.
    const fresh = await world.startSigning();
    const old = world.card(BORROWER).card.signingCertificate();
    // The new certificate comes from the newest root generation (same DN, another key); the old one is revoked as superseded.
    await world.pki.controls.renew(BORROWER);
    expect(world.card(BORROWER).card.signingCertificate().equals(old)).toBe(false);

    const refused = await refusedThenBorrowerSigns(deal, old, fresh);
    expect(refused.code).toBe(status.FAILED_PRECONDITION);
    expect(refused.details).toMatch(/^the certificate is revoked \(superseded since \d{4}-\d\d-\d\dT[\d:.]+Z, according to (OCSP|CRL) http:\/\/127\.0\.0\.1:\d+\/\S+\)/);
    expect(refused.details).toMatch(/renewed/);
  });

  it('OCSP and CRL servers away: UNAVAILABLE, nothing stored; once they are back the borrower signs', async () => {
    const deal = await newDeal(world);
    const fresh = await world.startSigning({ revocationTimeoutMs: 2000 });
    await world.pki.close();
    let refused: { code: number; details: string } | undefined;
    try {
      const before = await stored(deal);
      refused = await statusOf(prepare(deal, world.card(BORROWER).card.signingCertificate(), fresh));
      expect(await stored(deal)).toEqual(before);
    } finally {
      world.pki = await startPkiServers(world.pkiDir, { port: Number(new URL(world.manifest.baseUrl).port) });
    }
    expect(refused!.code).toBe(status.UNAVAILABLE);
    expect(refused!.details).toMatch(/^the certificate's revocation status cannot be checked now/);
    expect(refused!.details).toMatch(/try again/);
    await borrowerSigns(deal, fresh);
  });
});
