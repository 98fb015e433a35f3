import { status } from '@grpc/grpc-js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslVerify, pyhanko, qpdfCheck } from '@jitsuin/testkit/validators';
import { Topics } from '@jitsuin/events';
import { RevisionKind, RevisionPurpose } from '@jitsuin/proto/document/v1/document';
import { CertificationLevel, type FieldLayout, PadesLevel, type RevisionRef } from '@jitsuin/proto/signing/v1/signing';
import {
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
/** A signing service configured with neither a timestamp authority nor seals. */
let bare: SigningInstance;

beforeAll(async () => {
  world = await startWorld();
  bare = await world.startSigning({ tsaUrl: undefined, seals: new Map() });
}, 180_000);
afterAll(async () => {
  await world?.close();
});

const signing = () => world.signing.client;

async function cardSignature(deal: Deal, personId: string, partyId: string, revisionId: string, level = PadesLevel.PADES_LEVEL_B_B) {
  const c = signing();
  const { card, password } = world.card(personId);
  const prepared = await callUnary(c.prepareSignature.bind(c), {
    revision: deal.ref(revisionId),
    partyId,
    placement: { fieldName: partyId, page: 0, rect: undefined, roleLabel: '' },
    level,
    certify: 0,
    signerCertificate: card.signingCertificate(),
  });
  return callUnary(c.completeSignature.bind(c), {
    tenantId: deal.tenantId,
    sessionId: prepared.sessionId,
    signatureValue: await card.sign(prepared.digestInfo, password),
    certificate: card.signingCertificate(),
  });
}

function seal(ref: RevisionRef, options: { sealId?: string; level?: PadesLevel; lock?: boolean; certify?: CertificationLevel; fieldName?: string; addFields?: FieldLayout[]; client?: SigningInstance } = {}) {
  const c = (options.client ?? world.signing).client;
  return callUnary(c.seal.bind(c), {
    revision: ref,
    sealId: options.sealId ?? 'lender',
    // A named field is one the certification laid out (its place comes from the document);
    // otherwise a new visible field.
    placement: options.fieldName
      ? { fieldName: options.fieldName, page: 0, rect: undefined, roleLabel: '貸主' }
      : { fieldName: '', page: 1, rect: { x: 350, y: 60, width: 200, height: 70 }, roleLabel: '貸主' },
    level: options.level ?? PadesLevel.PADES_LEVEL_B_T,
    certify: options.certify ?? CertificationLevel.CERTIFICATION_LEVEL_UNSPECIFIED,
    lock: options.lock ?? false,
    addFields: options.addFields ?? [],
  });
}

describe('seals, timestamps and validation data', () => {
  it('the lender certifies, then card signatures, a document timestamp, the locking lender seal and B-LTA: each a revision of its kind, all valid', async () => {
    const deal = await newDeal(world);
    const events = await collectEvents(deal.tenantId, Topics.signature);
    try {
      // The lender certifies before anyone signs (DocMDP P=2: signatures and form filling allowed),
      // laying out the parties' fields and the final seal's, which will lock the document.
      const certified = await seal(deal.ref(deal.document.headRevisionId), {
        certify: CertificationLevel.CERTIFICATION_LEVEL_FORM_FILLING,
        addFields: [
          { fieldName: 'borrower', page: 1, rect: { x: 40, y: 160, width: 200, height: 60 }, lock: false },
          { fieldName: 'guarantor', page: 0, rect: undefined, lock: false },
          { fieldName: 'BankSeal', page: 1, rect: { x: 350, y: 160, width: 200, height: 60 }, lock: true },
        ],
      });
      expect(certified.fieldName).toBe('Seal-lender');
      const borrower = await cardSignature(deal, 'yamada-taro', 'borrower', certified.revisionId);

      // B-T for the B-B signature, by a document timestamp after it.
      const c = signing();
      const stamped = await callUnary(c.addTimestamp.bind(c), { revision: deal.ref(borrower.revisionId), fieldName: 'borrower' });
      const guarantor = await cardSignature(deal, 'suzuki-ichiro', 'guarantor', stamped.revisionId, PadesLevel.PADES_LEVEL_B_T);

      const sealed = await seal(deal.ref(guarantor.revisionId), { fieldName: 'BankSeal' });
      expect(sealed.fieldName).toBe('BankSeal');

      const extended = await callUnary(c.extend.bind(c), { revision: deal.ref(sealed.revisionId), level: PadesLevel.PADES_LEVEL_B_LTA });

      const document = await getDocument(world, deal);
      expect(document.headRevisionId).toBe(extended.revisionId);
      expect(document.revisions.map((r) => [r.kind, r.madeBy])).toEqual([
        [RevisionKind.REVISION_KIND_ORIGINAL, 'upload'],
        [RevisionKind.REVISION_KIND_SEAL, 'seal:lender'],
        [RevisionKind.REVISION_KIND_SIGNATURE, 'borrower'],
        [RevisionKind.REVISION_KIND_TIMESTAMP, 'signing-service'],
        [RevisionKind.REVISION_KIND_SIGNATURE, 'guarantor'],
        [RevisionKind.REVISION_KIND_SEAL, 'seal:lender'],
        [RevisionKind.REVISION_KIND_VALIDATION_DATA, 'signing-service'],
        [RevisionKind.REVISION_KIND_TIMESTAMP, 'signing-service'],
      ]);
      // What each is for, as the signing service recorded it (this contract names no certifier:
      // the lender's certifying seal is the bank's seal).
      const bankSeal = { purpose: RevisionPurpose.REVISION_PURPOSE_SEAL, partyId: 'bank', sealId: 'lender' };
      const signature = (partyId: string) => ({ purpose: RevisionPurpose.REVISION_PURPOSE_SIGNATURE, partyId, sealId: '' });
      const platform = (purpose: RevisionPurpose) => ({ purpose, partyId: '', sealId: '' });
      expect(document.revisions.map((r) => r.provenance)).toEqual([
        platform(RevisionPurpose.REVISION_PURPOSE_ORIGINAL),
        bankSeal,
        signature('borrower'),
        platform(RevisionPurpose.REVISION_PURPOSE_TIMESTAMP),
        signature('guarantor'),
        bankSeal,
        platform(RevisionPurpose.REVISION_PURPOSE_EXTENSION),
        platform(RevisionPurpose.REVISION_PURPOSE_EXTENSION),
      ]);
      // One chain: every revision's parent is the one before it.
      document.revisions.slice(1).forEach((r, i) => expect(r.parentId).toBe(document.revisions[i]!.id));

      const final = await download(world, deal);
      expect(sha256(final)).toBe(extended.sha256);
      const check = await pdfsig(world, final);
      // In form order: the certification, the fields it laid out (borrower, guarantor, the bank's
      // seal), then the two document timestamps' fields. pdfsig checks the signatures and cannot
      // check document timestamps ...
      const valid = 'Signature is Valid.';
      const notChecked = 'Signature has not yet been verified.';
      expect(check.validity, check.out).toEqual([valid, valid, valid, valid, notChecked, notChecked]);
      expect(check.out).toMatch(/Signature Field Name: BankSeal/);
      // ... which openssl does; it also accepts each CMS over its ByteRange content.
      const file = join(world.root, 'service-final.pdf');
      await writeFile(file, final);
      const openssl = await opensslVerify(file, join(world.pkiDir, world.manifest.trust.all));
      expect(openssl.map((r) => [r.type, r.code, r.out.includes(r.type === 'Sig' ? 'Verification successful' : 'Verification: OK')])).toEqual([
        ...Array.from({ length: 4 }, () => ['Sig', 0, true]),
        ['DocTimeStamp', 0, true],
        ['DocTimeStamp', 0, true],
      ]);
      // qpdf and pyHanko on the very file the service stored: every signature intact and
      // trusted, each at the level it was made at, the seal extended to B-LTA.
      const qpdf = await qpdfCheck(file);
      expect(qpdf.ok, qpdf.out).toBe(true);
      const report = await pyhanko(file, join(world.pkiDir, world.manifest.trust.all));
      expect(report.signatures.map((sig) => [sig.field, sig.status?.intact, sig.status?.trusted])).toEqual([
        ['Seal-lender', true, true],
        ['borrower', true, true],
        ['DocTimeStamp', true, true],
        ['guarantor', true, true],
        ['BankSeal', true, true],
        ['DocumentTimestamp6', true, true],
      ]);
      expect(report.signatures.filter((sig) => sig.type === 'Sig').map((sig) => sig.level), JSON.stringify(report.signatures[0], null, 1)).toEqual(['B-LTA', 'B-B', 'B-LTA', 'B-LTA']);
      // The certification allows what followed; after the locking seal only LTA updates.
      expect(report.signatures[0]!.docmdp).toBe('FILL_FORMS');
      expect(report.signatures[0]!.status).toMatchObject({ bottom_line: true, docmdp_ok: true });
      expect(report.signatures[4]!.fieldmdp).toMatch(/ALL/);
      expect(report.signatures[4]!.status!.modification_level).toBe('LTA_UPDATES');
      // Every earlier revision is a prefix of the final file.
      for (const revision of document.revisions.slice(0, -1)) {
        const bytes = await download(world, deal, revision.id);
        expect(final.subarray(0, bytes.length).equals(bytes)).toBe(true);
      }

      // The certification, two cards, the seal and the B-LTA extension (so that it is verified too).
      await expect.poll(() => events.events.length, { timeout: 20_000 }).toBe(5);
      const lta = events.events.filter((e) => e.payload?.$case === 'signatureApplied' && e.payload.value.revisionId === extended.revisionId);
      expect(lta.map((e) => e.payload?.$case === 'signatureApplied' && [e.payload.value.partyId, e.payload.value.level])).toEqual([['', PadesLevel.PADES_LEVEL_B_LTA]]);
      const seals = events.events.filter((e) => e.payload?.$case === 'signatureApplied' && e.payload.value.revisionId === sealed.revisionId);
      expect(seals).toHaveLength(1);
      expect(seals[0]!.payload?.$case === 'signatureApplied' && seals[0]!.payload.value).toMatchObject({
        fieldName: 'BankSeal',
        partyId: '',
        level: PadesLevel.PADES_LEVEL_B_T,
      });
    } finally {
      await events.stop();
    }
  });

  it('the bad requests: an unknown seal, a stale head, a level Extend does not make, a field that is not signed', async () => {
    const deal = await newDeal(world);
    const before = await getDocument(world, deal);
    const unknown = await statusOf(seal(deal.ref(), { sealId: 'agency' }));
    expect(unknown.code).toBe(status.FAILED_PRECONDITION);
    expect(unknown.details).toMatch(/no seal agency is configured/);

    const c = signing();
    const badLevel = await statusOf(callUnary(c.extend.bind(c), { revision: deal.ref(), level: PadesLevel.PADES_LEVEL_B_T }));
    expect(badLevel.code).toBe(status.INVALID_ARGUMENT);
    const unsigned = await statusOf(callUnary(c.addTimestamp.bind(c), { revision: deal.ref(), fieldName: 'borrower' }));
    expect(unsigned.code).toBe(status.NOT_FOUND);
    const nothingToExtend = await statusOf(callUnary(c.extend.bind(c), { revision: deal.ref(), level: PadesLevel.PADES_LEVEL_B_LT }));
    expect(nothingToExtend.code).toBe(status.FAILED_PRECONDITION);

    const signed = await cardSignature(deal, 'yamada-taro', 'borrower', deal.document.headRevisionId);
    const middle = await getDocument(world, deal);
    const stale = await statusOf(seal(deal.ref(deal.document.headRevisionId)));
    expect(stale.code).toBe(status.FAILED_PRECONDITION);
    expect(stale.details).toMatch(/not the head/);
    expect((await getDocument(world, deal)).revisions).toEqual(middle.revisions);
    expect(middle.revisions.slice(0, 1)).toEqual(before.revisions);
    expect(middle.headRevisionId).toBe(signed.revisionId);
  });

  it('without a timestamp authority or seals configured the service still runs: B-B only, and Seal says what is missing', async () => {
    const deal = await newDeal(world);
    const noSeal = await statusOf(seal(deal.ref(), { client: bare, level: PadesLevel.PADES_LEVEL_B_B }));
    expect(noSeal.code).toBe(status.FAILED_PRECONDITION);
    expect(noSeal.details).toBe('no seal lender is configured');

    const c = bare.client;
    const { card } = world.card('yamada-taro');
    const request = {
      revision: deal.ref(),
      partyId: 'borrower',
      placement: undefined,
      certify: 0,
      signerCertificate: card.signingCertificate(),
    };
    const bt = await statusOf(callUnary(c.prepareSignature.bind(c), { ...request, level: PadesLevel.PADES_LEVEL_B_T }));
    expect(bt.code).toBe(status.FAILED_PRECONDITION);
    expect(bt.details).toMatch(/needs a timestamp authority.*TSA_URL/);
    const bb = await callUnary(c.prepareSignature.bind(c), { ...request, level: PadesLevel.PADES_LEVEL_B_B });
    expect(bb.digestInfo).toHaveLength(51);
  });
});
