import { X509Certificate } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEvent, Topics } from '@jitsuin/events';
import { RevisionKind } from '@jitsuin/proto/document/v1/document';
import { PadesLevel, type PrepareSignatureRequest } from '@jitsuin/proto/signing/v1/signing';
import { completeSignature } from '@jitsuin/signer';
import { connectStore } from '@jitsuin/store';
import { SessionRepository, sessionModel } from '../src/store/sessions.js';
import {
  callClientStream,
  callUnary,
  collectEvents,
  download,
  getDocument,
  newDeal,
  pdfsig,
  sha256,
  startWorld,
  statusOf,
  type Deal,
  type SigningInstance,
  type World,
} from './harness.js';

let world: World;
let shortLived: SigningInstance;

beforeAll(async () => {
  world = await startWorld();
  shortLived = await world.startSigning({ sessionTtlMs: 1000 });
}, 180_000);
afterAll(async () => {
  await world?.close();
});

const client = (instance?: SigningInstance) => (instance ?? world.signing).client;

/** The tenant of each prepared session: CompleteSignature is called as a sender of that tenant. */
const tenantOfSession = new Map<string, string>();

async function prepare(deal: Deal, request: Partial<PrepareSignatureRequest> & { personId: string }, instance?: SigningInstance) {
  const c = client(instance);
  const { personId, ...rest } = request;
  const prepared = await callUnary(c.prepareSignature.bind(c), {
    revision: deal.ref(),
    partyId: 'borrower',
    placement: undefined,
    level: PadesLevel.PADES_LEVEL_B_B,
    certify: 0,
    signerCertificate: world.card(personId).card.signingCertificate(),
    ...rest,
  });
  tenantOfSession.set(prepared.sessionId, deal.tenantId);
  return prepared;
}

function complete(sessionId: string, signatureValue: Buffer, certificate: Buffer, instance?: SigningInstance) {
  const c = client(instance);
  return callUnary(c.completeSignature.bind(c), { tenantId: tenantOfSession.get(sessionId) ?? '', sessionId, signatureValue, certificate });
}

/** The card of `personId` signs what PrepareSignature returned. */
async function cardSigns(personId: string, digestInfo: Buffer): Promise<Buffer> {
  const { card, password } = world.card(personId);
  return card.sign(digestInfo, password);
}

/** The revision chain as GetDocument shows it. */
async function chain(deal: Deal) {
  const document = await getDocument(world, deal);
  return { head: document.headRevisionId, revisions: document.revisions.map((r) => ({ id: r.id, parentId: r.parentId, sha256: r.sha256 })) };
}

describe('card signatures', () => {
  it('Prepare → card → Complete stores a revision extending the original that pdfsig finds valid, and announces it', async () => {
    const deal = await newDeal(world);
    const events = await collectEvents(deal.tenantId, Topics.signature);
    try {
      const borrower = world.card('yamada-taro').card.signingCertificate();
      const prepared = await prepare(deal, {
        personId: 'yamada-taro',
        placement: { fieldName: 'Borrower', page: 1, rect: { x: 50, y: 60, width: 220, height: 70 }, roleLabel: '借主' },
        level: PadesLevel.PADES_LEVEL_B_T,
      });
      expect(prepared.sessionId).toMatch(/^[0-9a-f-]{36}$/);
      expect(prepared.digest).toHaveLength(32);
      // DER DigestInfo: the SHA-256 AlgorithmIdentifier prefix, then the digest.
      expect(prepared.digestInfo.toString('hex')).toBe(`3031300d060960864801650304020105000420${prepared.digest.toString('hex')}`);
      expect(prepared.expiresAt!.getTime() - Date.now()).toBeGreaterThan(9 * 60_000);
      expect((await chain(deal)).revisions).toHaveLength(1); // nothing stored by Prepare

      const signature = await cardSigns('yamada-taro', prepared.digestInfo);
      const done = await complete(prepared.sessionId, signature, borrower);
      expect(done.fieldName).toBe('Borrower');

      const document = await getDocument(world, deal);
      expect(document.headRevisionId).toBe(done.revisionId);
      expect(document.revisions).toHaveLength(2);
      const revision = document.revisions[1]!;
      expect(revision).toMatchObject({
        id: done.revisionId,
        parentId: deal.document.headRevisionId,
        kind: RevisionKind.REVISION_KIND_SIGNATURE,
        madeBy: 'borrower',
        sha256: done.sha256,
      });

      const signed = await download(world, deal);
      expect(sha256(signed)).toBe(done.sha256);
      expect(signed.subarray(0, deal.original.length).equals(deal.original)).toBe(true);
      const check = await pdfsig(world, signed);
      expect(check.validity, check.out).toEqual(['Signature is Valid.']);
      expect(check.out).toContain('Signature Field Name: Borrower');

      await expect.poll(() => events.events.length, { timeout: 20_000 }).toBe(1);
      const event = events.events[0]!;
      expect(event.type).toBe('signature.applied');
      expect(event.subject).toBe(deal.contract.id);
      expect(event.payload?.$case === 'signatureApplied' && event.payload.value).toEqual({
        contractId: deal.contract.id,
        documentId: deal.document.id,
        partyId: 'borrower',
        revisionId: done.revisionId,
        fieldName: 'Borrower',
        level: PadesLevel.PADES_LEVEL_B_T,
        certificateSerial: new X509Certificate(borrower).serialNumber.toUpperCase(),
      });
      // Ids and a serial only: no basic-4 facts travel in events.
      expect(encodeEvent(event).toString('utf8')).not.toMatch(/山田|千代田|1980/);

      // A second signer on the new head: both signatures stay valid.
      const second = await prepare(deal, { personId: 'yamada-hanako', partyId: 'co-borrower', revision: deal.ref(done.revisionId) });
      const secondDone = await complete(
        second.sessionId,
        await cardSigns('yamada-hanako', second.digestInfo),
        world.card('yamada-hanako').card.signingCertificate(),
      );
      const twice = await download(world, deal);
      expect(sha256(twice)).toBe(secondDone.sha256);
      expect(twice.subarray(0, signed.length).equals(signed)).toBe(true);
      expect((await pdfsig(world, twice)).validity).toEqual(['Signature is Valid.', 'Signature is Valid.']);
    } finally {
      await events.stop();
    }
  });
});

describe('transient failures', () => {
  it('a timestamp authority that is away: UNAVAILABLE, and the same signature completes once it is back', async () => {
    const deal = await newDeal(world);
    const noTsa = await world.startSigning({ tsaUrl: 'http://127.0.0.1:1/tsa' });
    const cert = world.card('yamada-taro').card.signingCertificate();
    const prepared = await prepare(deal, { personId: 'yamada-taro', level: PadesLevel.PADES_LEVEL_B_T });
    const signature = await cardSigns('yamada-taro', prepared.digestInfo);
    const before = await chain(deal);
    const away = await statusOf(complete(prepared.sessionId, signature, cert, noTsa));
    expect(away.code).toBe(status.UNAVAILABLE);
    expect(away.details).toMatch(/could not be reached/);
    expect(await chain(deal)).toEqual(before);
    // The session was given back: the same card signature completes on a service that reaches the TSA.
    const done = await complete(prepared.sessionId, signature, cert);
    expect((await chain(deal)).head).toBe(done.revisionId);
  });

  it('a revision stored whose answer was lost: completing again finishes with that revision, once', async () => {
    const deal = await newDeal(world);
    const events = await collectEvents(deal.tenantId, Topics.signature);
    const connection = await connectStore(world.signing.config.mongoUrl);
    try {
      const cert = world.card('yamada-taro').card.signingCertificate();
      const prepared = await prepare(deal, { personId: 'yamada-taro' });
      const signature = await cardSigns('yamada-taro', prepared.digestInfo);
      // What a first attempt did before its answer was lost: claim, note the upload, store the
      // revision, then (the call failing) give the session back.
      const sessions = new SessionRepository(sessionModel(connection));
      const session = (await sessions.find(prepared.sessionId))!;
      const { parts } = await completeSignature(deal.original, session.pending!, signature, cert);
      const bytes = Buffer.concat(parts);
      const claimId = 'lost-attempt';
      await sessions.claim(session.id, claimId, new Date());
      await sessions.recordUpload(session.id, claimId, { sha256: sha256(bytes), size: bytes.length }, new Date());
      const stored = await callClientStream(world.documentsAsSigningService.addRevision.bind(world.documentsAsSigningService), [
        {
          part: {
            $case: 'metadata' as const,
            value: { tenantId: deal.tenantId, documentId: deal.document.id, parentRevisionId: deal.document.headRevisionId, kind: RevisionKind.REVISION_KIND_SIGNATURE, madeBy: 'borrower', description: '' },
          },
        },
        { part: { $case: 'chunk' as const, value: bytes } },
      ]);
      await sessions.release(session.id, claimId, new Date());

      const done = await complete(prepared.sessionId, signature, cert);
      expect(done.revisionId).toBe(stored.revision!.id);
      expect((await chain(deal)).revisions).toHaveLength(2);
      await expect.poll(() => events.events.map((e) => e.type), { timeout: 20_000 }).toEqual(['signature.applied']);
    } finally {
      await connection.close();
      await events.stop();
    }
  });
});

describe('bad input is refused with a specific status, and the revision chain is untouched', () => {
  it("someone else's certificate: FAILED_PRECONDITION naming the differing facts, never their values", async () => {
    const deal = await newDeal(world);
    const before = await chain(deal);
    const refused = await statusOf(prepare(deal, { personId: 'yamada-hanako', partyId: 'borrower' }));
    expect(refused.code).toBe(status.FAILED_PRECONDITION);
    // Same address (they live together); name, date of birth and gender differ.
    expect(refused.details).toBe("the certificate's name, date of birth and gender differ from what the contract expects");
    expect(await chain(deal)).toEqual(before);
  });

  it('an authentication certificate: INVALID_ARGUMENT, not a signing certificate', async () => {
    const deal = await newDeal(world);
    const before = await chain(deal);
    const refused = await statusOf(
      prepare(deal, { personId: 'yamada-taro', signerCertificate: world.card('yamada-taro').card.authenticationCertificate() }),
    );
    expect(refused.code).toBe(status.INVALID_ARGUMENT);
    expect(refused.details).toMatch(/not a JPKI signing certificate/);
    expect(refused.details).toMatch(/nonRepudiation/);
    expect(await chain(deal)).toEqual(before);
  });

  it('bytes that are no certificate: INVALID_ARGUMENT', async () => {
    const deal = await newDeal(world);
    const refused = await statusOf(prepare(deal, { personId: 'yamada-taro', signerCertificate: Buffer.from('not a certificate') }));
    expect(refused.code).toBe(status.INVALID_ARGUMENT);
  });

  it('a wrong-length signature: INVALID_ARGUMENT; the session is spent and its failure announced', async () => {
    const deal = await newDeal(world);
    const events = await collectEvents(deal.tenantId, Topics.signature);
    try {
      const before = await chain(deal);
      const cert = world.card('yamada-taro').card.signingCertificate();
      const prepared = await prepare(deal, { personId: 'yamada-taro' });
      const signature = await cardSigns('yamada-taro', prepared.digestInfo);
      const refused = await statusOf(complete(prepared.sessionId, signature.subarray(1), cert));
      expect(refused.code).toBe(status.INVALID_ARGUMENT);
      expect(refused.details).toMatch(/signature value is 255 bytes, the key needs 256/);
      expect(await chain(deal)).toEqual(before);

      const again = await statusOf(complete(prepared.sessionId, signature, cert));
      expect(again.code).toBe(status.FAILED_PRECONDITION);
      expect(again.details).toMatch(/already been used/);
      await expect.poll(() => events.events.length, { timeout: 20_000 }).toBe(1);
      const failed = events.events[0]!;
      expect(failed.type).toBe('signature.failed');
      expect(failed.payload?.$case === 'signatureFailed' && failed.payload.value).toMatchObject({
        contractId: deal.contract.id,
        partyId: 'borrower',
        sessionId: prepared.sessionId,
        reason: 'SIGNATURE_LENGTH',
      });
    } finally {
      await events.stop();
    }
  });

  it('a signature that does not verify: INVALID_ARGUMENT', async () => {
    const deal = await newDeal(world);
    const before = await chain(deal);
    const prepared = await prepare(deal, { personId: 'yamada-taro' });
    const signature = Buffer.from(await cardSigns('yamada-taro', prepared.digestInfo));
    signature[100] = signature[100]! ^ 0x01;
    const refused = await statusOf(complete(prepared.sessionId, signature, world.card('yamada-taro').card.signingCertificate()));
    expect(refused.code).toBe(status.INVALID_ARGUMENT);
    expect(refused.details).toMatch(/does not match this certificate/);
    expect(await chain(deal)).toEqual(before);
  });

  it('a different certificate at Complete: INVALID_ARGUMENT', async () => {
    const deal = await newDeal(world);
    const before = await chain(deal);
    const prepared = await prepare(deal, { personId: 'yamada-taro' });
    const signature = await cardSigns('yamada-hanako', prepared.digestInfo);
    const refused = await statusOf(complete(prepared.sessionId, signature, world.card('yamada-hanako').card.signingCertificate()));
    expect(refused.code).toBe(status.INVALID_ARGUMENT);
    expect(refused.details).toMatch(/not the one the signature was prepared for/);
    expect(refused.details).not.toMatch(/山田/);
    expect(await chain(deal)).toEqual(before);
  });

  it('a session used twice: the second call is FAILED_PRECONDITION, already used', async () => {
    const deal = await newDeal(world);
    const cert = world.card('yamada-taro').card.signingCertificate();
    const prepared = await prepare(deal, { personId: 'yamada-taro' });
    const signature = await cardSigns('yamada-taro', prepared.digestInfo);
    await complete(prepared.sessionId, signature, cert);
    const after = await chain(deal);
    const again = await statusOf(complete(prepared.sessionId, signature, cert));
    expect(again.code).toBe(status.FAILED_PRECONDITION);
    expect(again.details).toMatch(/already been used/);
    expect(await chain(deal)).toEqual(after);
  });

  it('two completions racing for one session: exactly one stores a revision', async () => {
    const deal = await newDeal(world);
    const cert = world.card('yamada-taro').card.signingCertificate();
    const prepared = await prepare(deal, { personId: 'yamada-taro' });
    const signature = await cardSigns('yamada-taro', prepared.digestInfo);
    const results = await Promise.allSettled([
      complete(prepared.sessionId, signature, cert),
      complete(prepared.sessionId, signature, cert),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await chain(deal)).revisions).toHaveLength(2);
  });

  it('an expired session (TTL 1 s): FAILED_PRECONDITION, prepare again', async () => {
    const deal = await newDeal(world);
    const before = await chain(deal);
    const prepared = await prepare(deal, { personId: 'yamada-taro' }, shortLived);
    const signature = await cardSigns('yamada-taro', prepared.digestInfo);
    await new Promise((r) => setTimeout(r, 1500));
    const refused = await statusOf(complete(prepared.sessionId, signature, world.card('yamada-taro').card.signingCertificate(), shortLived));
    expect(refused.code).toBe(status.FAILED_PRECONDITION);
    expect(refused.details).toMatch(/expired .*prepare again/);
    expect(await chain(deal)).toEqual(before);
  });

  it('an unknown session: NOT_FOUND', async () => {
    const refused = await statusOf(complete('0b6bd7a6-0000-4000-8000-000000000000', Buffer.alloc(256, 1), world.card('yamada-taro').card.signingCertificate()));
    expect(refused.code).toBe(status.NOT_FOUND);
  });

  it('a revision that is not the head: FAILED_PRECONDITION at Prepare', async () => {
    const deal = await newDeal(world);
    const first = await prepare(deal, { personId: 'yamada-taro' });
    await complete(first.sessionId, await cardSigns('yamada-taro', first.digestInfo), world.card('yamada-taro').card.signingCertificate());
    const before = await chain(deal);
    const refused = await statusOf(prepare(deal, { personId: 'yamada-hanako', partyId: 'co-borrower', revision: deal.ref(deal.document.headRevisionId) }));
    expect(refused.code).toBe(status.FAILED_PRECONDITION);
    expect(refused.details).toMatch(/is not the head/);
    expect(await chain(deal)).toEqual(before);
  });

  it('a head that moved between Prepare and Complete: FAILED_PRECONDITION, and signature.failed', async () => {
    const deal = await newDeal(world);
    const events = await collectEvents(deal.tenantId, Topics.signature);
    try {
      // Borrower and co-borrower sign in parallel, both prepared on the original.
      const a = await prepare(deal, { personId: 'yamada-taro' });
      const b = await prepare(deal, { personId: 'yamada-hanako', partyId: 'co-borrower' });
      await complete(a.sessionId, await cardSigns('yamada-taro', a.digestInfo), world.card('yamada-taro').card.signingCertificate());
      const before = await chain(deal);
      const refused = await statusOf(
        complete(b.sessionId, await cardSigns('yamada-hanako', b.digestInfo), world.card('yamada-hanako').card.signingCertificate()),
      );
      expect(refused.code).toBe(status.FAILED_PRECONDITION);
      expect(refused.details).toMatch(/changed while this was being signed.*not the head/);
      expect(await chain(deal)).toEqual(before);
      await expect.poll(() => events.events.map((e) => e.type).sort(), { timeout: 20_000 }).toEqual(['signature.applied', 'signature.failed']);
      const failed = events.events.find((e) => e.type === 'signature.failed')!;
      expect(failed.payload?.$case === 'signatureFailed' && failed.payload.value.reason).toBe('HEAD_MOVED');
    } finally {
      await events.stop();
    }
  });

  it('an organisation party cannot sign with a card, nor anyone in a contract not sent', async () => {
    const deal = await newDeal(world);
    const bank = await statusOf(prepare(deal, { personId: 'yamada-taro', partyId: 'bank' }));
    expect(bank.code).toBe(status.FAILED_PRECONDITION);
    expect(bank.details).toMatch(/organisation/);
    const stranger = await statusOf(prepare(deal, { personId: 'yamada-taro', partyId: 'nobody' }));
    expect(stranger.code).toBe(status.NOT_FOUND);

    const draft = await newDeal(world, { send: false });
    const refused = await statusOf(prepare(draft, { personId: 'yamada-taro' }));
    expect(refused.code).toBe(status.FAILED_PRECONDITION);
    expect(refused.details).toMatch(/is DRAFT/);
    expect((await chain(draft)).revisions).toHaveLength(1);
  });
});
