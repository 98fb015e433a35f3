import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Signer } from '@jitsuin/pades';
import { completeSignature, extend, prepareSignature, signWith } from '@jitsuin/signer';
import { type PdfDict, PdfDocument, PdfRef } from '@jitsuin/pdf';
import { makePdf, malformedCorpus, readCorpusFile } from '@jitsuin/testkit';
import { analyseModifications, type ModificationFinding } from '../src/modifications.js';
import { VerifyInputError } from '../src/errors.js';
import {
  addEmptySignatureFields,
  addNewTextField,
  addPage,
  addTextFields,
  alterSignatureDictionary,
  defineDangling,
  fillField,
  makeXrefStreamPdf,
  redefineObjectStream,
  freeObject,
  overlayAnnotation,
  overlayXObject,
  prepareDanglingFont,
  redefineContentStream,
  redefineFont,
  replacePageContent,
  reuseFontAsAnnotation,
  setInfo,
  signedRevisions,
} from './modifications-attacks.js';
import { setupPki, type Pki } from './helpers.js';

const box = (x: number, y: number) => ({ x, y, width: 240, height: 72 });

let pki: Pki;
let lender: Signer;
/** A text-field template: the loan agreement with Amount and Notes fields. */
let template: Buffer;
/** One card signature (no certification) on the template. */
let cardSigned: Buffer;
/** The template certified by the lender at each DocMDP level, with an empty Borrower field. */
const certified: Record<1 | 2 | 3, Buffer> = {} as never;
/** Lender certification (P=2), Borrower's card signature, the bank's locking seal, then B-LTA. */
let mortgageCertified: Buffer;
let mortgageBorrower: Buffer;
let mortgageSealed: Buffer;
let mortgageLta: Buffer;

async function card(pdf: Buffer, fieldName: string, person = 'yamada-taro'): Promise<Buffer> {
  const c = await pki.card(person);
  const pending = await prepareSignature(pdf, { placement: { fieldName }, level: 'B-B', signerCertificate: c.certificate, chain: c.chain });
  return Buffer.concat((await completeSignature(pdf, pending, await c.card.sign(pending.digestInfo, c.password), c.certificate)).parts);
}

beforeAll(async () => {
  pki = await setupPki();
  lender = await pki.seal('lender');
  template = addTextFields(makePdf(8 * 1024, 'Jitsuin loan agreement: 30,000,000 yen'), ['Amount', 'Notes']);
  const taro = await pki.card('yamada-taro');
  cardSigned = Buffer.concat((await signWith(template, taro, { placement: { fieldName: 'Borrower' }, level: 'B-B' })).parts);
  for (const p of [1, 2, 3] as const) {
    certified[p] = Buffer.concat(
      (
        await signWith(template, lender, {
          placement: { fieldName: 'LenderCertification', page: 1, rect: box(310, 700) },
          level: 'B-B',
          certify: p,
          addFields: [{ fieldName: 'Borrower', page: 1, rect: box(40, 460) }],
        })
      ).parts,
    );
  }
  mortgageCertified = Buffer.concat(
    (
      await signWith(template, lender, {
        placement: { fieldName: 'LenderCertification', page: 1, rect: box(310, 700) },
        level: 'B-T',
        tsaUrl: pki.tsaUrl,
        certify: 2,
        addFields: [
          { fieldName: 'Borrower', page: 1, rect: box(40, 460) },
          { fieldName: 'BankSeal', page: 1, rect: box(310, 460), lock: true },
        ],
      })
    ).parts,
  );
  mortgageBorrower = await card(mortgageCertified, 'Borrower');
  mortgageSealed = Buffer.concat((await signWith(mortgageBorrower, lender, { placement: { fieldName: 'BankSeal' }, level: 'B-T', tsaUrl: pki.tsaUrl })).parts);
  mortgageLta = Buffer.concat((await extend(mortgageSealed, 'B-LTA', { tsaUrl: pki.tsaUrl })).parts);
}, 300_000);

afterAll(async () => {
  await pki?.close();
});

/** The finding for one signature of `pdf`, every signature analysed at once as the verifier does. */
function finding(pdf: Buffer, field: string): ModificationFinding {
  const all = analyseModifications(pdf, signedRevisions(pdf));
  const f = all.find((x) => x.fieldName === field);
  if (!f) throw new Error(`no finding for ${field}`);
  return f;
}

const text = (f: ModificationFinding) => f.messages.join('\n');

describe('allowed changes', () => {
  it('the last signature of a file: nothing after it', () => {
    const f = finding(cardSigned, 'Borrower');
    expect(f).toMatchObject({ modifications: 'NONE', permitted: true, permissions: null, laterRevisions: 0, changes: [] });
  });

  it('a card signature in the certified document\'s empty field: NONE, allowed by P=2', () => {
    const f = finding(mortgageBorrower, 'LenderCertification');
    expect(f).toMatchObject({ modifications: 'NONE', permitted: true, permissions: 2, laterRevisions: 1 });
    expect(f.changes.map((c) => c.kind)).toEqual(['signature']);
    expect(text(f)).toMatch(/signature in the empty field Borrower/);
  });

  it('a later card signature after a plain signature (a new field): NONE, allowed', async () => {
    const second = Buffer.concat((await signWith(cardSigned, await pki.card('yamada-hanako'), { placement: { fieldName: 'CoBorrower', page: 1, rect: box(310, 460) }, level: 'B-B' })).parts);
    const f = finding(second, 'Borrower');
    expect(f).toMatchObject({ modifications: 'NONE', permitted: true, laterRevisions: 1 });
    expect(text(f)).toMatch(/signature in a new field CoBorrower \(visible\)/);
  });

  it('the locking bank seal, then DSS and a document timestamp (B-LTA): LTA_UPDATES, allowed by the lock P=1', () => {
    const all = analyseModifications(mortgageLta, signedRevisions(mortgageLta));
    const by = Object.fromEntries(all.map((f) => [f.fieldName, f]));
    expect(by.BankSeal).toMatchObject({ modifications: 'LTA_UPDATES', permitted: true, permissions: 1, laterRevisions: 2 });
    expect(by.BankSeal!.changes.map((c) => c.kind)).toEqual(['dss', 'timestamp']);
    expect(by.LenderCertification).toMatchObject({ modifications: 'LTA_UPDATES', permitted: true, permissions: 2, laterRevisions: 4 });
    expect(by.Borrower).toMatchObject({ modifications: 'LTA_UPDATES', permitted: true });
    expect(by.DocumentTimestamp4).toMatchObject({ modifications: 'NONE', permitted: true, laterRevisions: 0 });
  });

  it('P=2: filling in a form field is FORM_FILLING and allowed', () => {
    const f = finding(fillField(certified[2], 'Amount', '35,000,000'), 'LenderCertification');
    expect(f).toMatchObject({ modifications: 'FORM_FILLING', permitted: true, permissions: 2 });
    expect(text(f)).toMatch(/form field Amount was filled in \(value "35,000,000"\)/);
  });

  it('P=3: an annotation is ANNOTATIONS and allowed', () => {
    expect(finding(overlayAnnotation(certified[3]), 'LenderCertification')).toMatchObject({ modifications: 'ANNOTATIONS', permitted: true, permissions: 3 });
  });

  it('no certification: an annotation is ANNOTATIONS and allowed (the report still says what it covers)', () => {
    const f = finding(overlayAnnotation(cardSigned, { subtype: 'FreeText' }), 'Borrower');
    expect(f).toMatchObject({ modifications: 'ANNOTATIONS', permitted: true, permissions: null });
    expect(text(f)).toMatch(/a \/FreeText annotation \(object \d+\) was added to page 1 over \[60 700 560 760\]/);
  });

  it('a metadata change (/Info) is LTA_UPDATES, allowed even at P=1', () => {
    expect(finding(setInfo(certified[1], 'Loan agreement'), 'LenderCertification')).toMatchObject({ modifications: 'LTA_UPDATES', permitted: true, permissions: 1 });
  });
});

describe('DocMDP and locks', () => {
  it('P=1, then a form fill: FORM_FILLING, not permitted', () => {
    const f = finding(fillField(certified[1], 'Amount', '99,000,000'), 'LenderCertification');
    expect(f).toMatchObject({ modifications: 'FORM_FILLING', permitted: false, permissions: 1 });
    expect(text(f)).toMatch(/filling in a form field is not allowed by the certification \(DocMDP P=1\)/);
  });

  it('P=2, then an annotation: ANNOTATIONS, not permitted', () => {
    const f = finding(overlayAnnotation(certified[2]), 'LenderCertification');
    expect(f).toMatchObject({ modifications: 'ANNOTATIONS', permitted: false, permissions: 2 });
    expect(text(f)).toMatch(/an annotation change is not allowed by the certification \(DocMDP P=2\)/);
  });

  it('after a certification, a signature in a new visible field is OTHER (its appearance is drawn over the page); an invisible one is NONE', async () => {
    const hanako = await pki.card('yamada-hanako');
    const visible = Buffer.concat((await signWith(certified[2], hanako, { placement: { fieldName: 'Witness', page: 1, rect: box(40, 100) }, level: 'B-B' })).parts);
    const f = finding(visible, 'LenderCertification');
    expect(f).toMatchObject({ modifications: 'OTHER', permitted: false });
    expect(text(f)).toMatch(/a signature in a new field Witness \(visible\): a new visible signature field after the certification/);
    const invisible = Buffer.concat((await signWith(certified[2], hanako, { placement: { fieldName: 'Witness' }, level: 'B-B' })).parts);
    expect(finding(invisible, 'LenderCertification')).toMatchObject({ modifications: 'NONE', permitted: true });
  });

  it('the bank seal locks every field (P=1): a form fill after it is OTHER', () => {
    const all = analyseModifications(fillField(mortgageSealed, 'Notes', 'changed after the seal'), signedRevisions(mortgageSealed));
    const seal = all.find((f) => f.fieldName === 'BankSeal')!;
    expect(seal).toMatchObject({ modifications: 'OTHER', permitted: false, permissions: 1 });
    expect(text(seal)).toMatch(/field Notes is locked by signature BankSeal \(\/Action \/All/);
    // The borrower's signature has no lock; for it this is form filling under the certification's P=2.
    expect(all.find((f) => f.fieldName === 'Borrower')).toMatchObject({ modifications: 'FORM_FILLING', permitted: true });
  });

  describe('FieldMDP', () => {
    let include: Buffer;
    let exclude: Buffer;
    beforeAll(async () => {
      const sign = async (pdf: Buffer, action: 'Include' | 'Exclude') =>
        Buffer.concat((await signWith(addEmptySignatureFields(pdf, [{ fieldName: 'Approver', page: 1, rect: [310, 560, 550, 632], lock: { action, fields: action === 'Include' ? ['Amount'] : ['Notes'] } }]), lender, { placement: { fieldName: 'Approver' }, level: 'B-B' })).parts);
      include = await sign(template, 'Include');
      exclude = await sign(template, 'Exclude');
    });

    it('Include [Amount]: filling Amount is OTHER; filling Notes is FORM_FILLING', () => {
      const amount = finding(fillField(include, 'Amount', '99,000,000'), 'Approver');
      expect(amount).toMatchObject({ modifications: 'OTHER', permitted: false });
      expect(text(amount)).toMatch(/field Amount is locked by signature Approver \(\/Action \/Include: the fields Amount\)/);
      expect(finding(fillField(include, 'Notes', 'ok'), 'Approver')).toMatchObject({ modifications: 'FORM_FILLING', permitted: true });
    });

    it('Exclude [Notes]: filling Notes is FORM_FILLING; filling Amount is OTHER', () => {
      expect(finding(fillField(exclude, 'Notes', 'ok'), 'Approver')).toMatchObject({ modifications: 'FORM_FILLING', permitted: true });
      expect(finding(fillField(exclude, 'Amount', '1'), 'Approver')).toMatchObject({ modifications: 'OTHER', permitted: false });
    });
  });
});

describe('shadow attacks and other disallowed changes: OTHER', () => {
  const other = (pdf: Buffer, field: string, pattern: RegExp) => {
    const f = finding(pdf, field);
    expect(f.modifications, text(f)).toBe('OTHER');
    expect(f.permitted).toBe(false);
    expect(text(f)).toMatch(pattern);
    return f;
  };

  it('the signed page\'s content replaced by a new content stream', () => {
    other(replacePageContent(cardSigned, 'Jitsuin loan agreement: 90,000,000 yen'), 'Borrower', /page 1 \(object \d+\) changed its \/Contents \(the page shows other content/);
  });

  it('the content stream object redefined in place', () => {
    other(redefineContentStream(cardSigned, 'Jitsuin loan agreement: 90,000,000 yen'), 'Borrower', /object 4: a stream \(page content or data\) is replaced by a stream/);
  });

  it('an overlay XObject drawn over the signed text (new /Resources and /Contents)', () => {
    other(overlayXObject(mortgageSealed, '90,000,000 yen'), 'LenderCertification', /page 1 \(object \d+\) changed its \/Contents, \/Resources \(the page shows other content/);
  });

  it('a new page', () => {
    other(addPage(certified[2], 'Appendix: the borrower waives every right'), 'LenderCertification', /a \/Pages dictionary is replaced by a \/Pages dictionary \(pages were added, removed or re-ordered\)/);
  });

  it('a new non-signature field (its widget can cover the page)', () => {
    other(addNewTextField(certified[3], 'Cover'), 'LenderCertification', /a new form field Cover \(\/FT \/Tx\) was added/);
  });

  it('an annotation carrying JavaScript', () => {
    other(overlayAnnotation(certified[3], { javascript: 'app.alert(1)' }), 'LenderCertification', /carries an action \(\/S \/JavaScript\)/);
  });

  it('the signature dictionary of an earlier signature changed', () => {
    const f = other(alterSignatureDictionary(mortgageSealed, 'Borrower'), 'Borrower', /the signature dictionary of Borrower \(object \d+\) was changed \(\/M, \/Reason\)/);
    expect(f.changes.filter((c) => c.kind === 'other')).toHaveLength(1);
  });

  it('object reuse: the page\'s font redefined as an annotation', () => {
    other(reuseFontAsAnnotation(certified[3]), 'LenderCertification', /object 5, added to page 1's \/Annots, was a \/Font \/Type1 dictionary and is reused as a \/Square annotation/);
  });

  it('the page\'s font redefined as another font', () => {
    other(redefineFont(cardSigned), 'Borrower', /object 5: a \/Font \/Type1 dictionary is replaced by a \/Font \/Type1 dictionary \(what pages draw with it can change\)/);
  });

  it('xref trick: an object freed after signing', () => {
    other(freeObject(cardSigned, 5), 'Borrower', /object 5 \(a \/Font \/Type1 dictionary\) is deleted/);
  });

  it('xref trick: a number the signed revision referred to, defined after signing', async () => {
    const { pdf, num } = prepareDanglingFont(template);
    const signed = Buffer.concat((await signWith(pdf, await pki.card('yamada-taro'), { placement: { fieldName: 'Borrower' }, level: 'B-B' })).parts);
    expect(finding(signed, 'Borrower').modifications).toBe('NONE');
    other(defineDangling(signed, num), 'Borrower', new RegExp(`object ${num} is defined, but its number was left undefined in the previous revision`));
  });

  describe('a document in the cross-reference stream form', () => {
    let signed: Buffer;
    beforeAll(async () => {
      signed = Buffer.concat((await signWith(makeXrefStreamPdf('Jitsuin lease: 120,000 yen a month'), await pki.card('yamada-taro'), { placement: { fieldName: 'Tenant' }, level: 'B-B' })).parts);
    });

    it('its updates (xref streams listing themselves) are no change; a later signature is NONE', async () => {
      expect(PdfDocument.open(signed).xrefForm).toBe('stream');
      const second = Buffer.concat((await signWith(signed, await pki.card('yamada-hanako'), { placement: { fieldName: 'Landlord' }, level: 'B-B' })).parts);
      expect(finding(second, 'Tenant')).toMatchObject({ modifications: 'NONE', permitted: true, laterRevisions: 1 });
    });

    it('xref trick: the object stream holding the font redefined (the font changes without being listed)', () => {
      const attacked = redefineObjectStream(signed, 6);
      // The attack works: the page's font (object 5, not in the update's xref) now reads as Courier.
      const font = PdfDocument.open(attacked).getObject(new PdfRef(5, 0)) as PdfDict;
      expect(font.name('BaseFont')).toBe('Courier');
      other(attacked, 'Tenant', /object stream 6 is redefined: objects stored in it would change without being listed/);
    });

    it('content replaced in an xref-stream update', () => {
      other(replacePageContent(signed, 'Jitsuin lease: 320,000 yen a month'), 'Tenant', /page 1 \(object 3\) changed its \/Contents/);
    });
  });

  it('an attack followed by a genuine signature still counts against the earlier signature', async () => {
    const attacked = replacePageContent(certified[2], 'changed');
    const signedAfter = await card(attacked, 'Borrower');
    const all = analyseModifications(signedAfter, signedRevisions(signedAfter));
    expect(all.find((f) => f.fieldName === 'LenderCertification')).toMatchObject({ modifications: 'OTHER', permitted: false });
    expect(all.find((f) => f.fieldName === 'Borrower')).toMatchObject({ modifications: 'NONE', permitted: true });
  });
});

describe('input', () => {
  it('signed bytes that end at no revision: OTHER, not analysed', () => {
    const [f] = analyseModifications(cardSigned, [{ fieldName: 'Borrower', signedRevisionEnd: 100 }]);
    expect(f).toMatchObject({ modifications: 'OTHER', permitted: false, signedRevision: null });
  });

  it('an identical copy of an object written again is no change', () => {
    const [f] = analyseModifications(redefineContentStream(cardSigned, 'Jitsuin loan agreement: 30,000,000 yen'), signedRevisions(cardSigned));
    expect(f).toMatchObject({ modifications: 'NONE', permitted: true, laterRevisions: 1 });
  });

  it('not a PDF: VerifyInputError', () => {
    expect(() => analyseModifications(Buffer.from('nope'), [])).toThrow(VerifyInputError);
  });
});

// Every file of the shared malformed corpus, as if its first revision were signed (so that every
// later revision is analysed): findings or a typed INVALID_ARGUMENT within 5 s.
describe('malformed corpus', () => {
  const files = malformedCorpus();
  it.each(files.map((f) => [f.name, f.path]))('%s: findings or INVALID_ARGUMENT within 5 s', (_name, path) => {
    const bytes = readCorpusFile(path);
    const started = performance.now();
    try {
      let ends: number[] = [];
      try {
        ends = PdfDocument.open(bytes).revisions;
      } catch {
        ends = [bytes.length];
      }
      const findings = analyseModifications(bytes, ends.slice(0, 1).map((end) => ({ fieldName: 'Probe', signedRevisionEnd: end })));
      for (const f of findings) expect(ORDER).toContain(f.modifications);
    } catch (err) {
      expect(err).toBeInstanceOf(VerifyInputError);
    }
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

const ORDER = ['NONE', 'LTA_UPDATES', 'FORM_FILLING', 'ANNOTATIONS', 'OTHER'];
