import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extend, signWith } from '@jitsuin/signer';
import { makePdf } from '@jitsuin/testkit';
import { type SignatureReport, type VerificationReport, verifyPdf, type VerifyOptions } from '../src/index.js';
import {
  addNewTextField,
  addPage,
  addTextFields,
  alterSignatureDictionary,
  fillField,
  freeObject,
  overlayAnnotation,
  overlayXObject,
  redefineContentStream,
  redefineFont,
  replacePageContent,
  reuseFontAsAnnotation,
  setInfo,
} from './modifications-attacks.js';
import { setupValidationPki, type ValidationPki } from './validation-helpers.js';

// The modification analysis through verifyPdf: every attack generator of modifications-attacks.ts
// gives the exact document and signature indications, and the genuine mortgage package passes.

let pki: ValidationPki;
let opts: VerifyOptions;
const join = (r: { parts: Buffer[] }) => Buffer.concat(r.parts);
const box = (x: number, y: number) => ({ x, y, width: 240, height: 72 });

/** The loan agreement template with the text fields Amount and Notes. */
let template: Buffer;
/** One card signature (no certification). */
let cardSigned: Buffer;
/** Certified by the lender at P=2 and P=3, with an empty Borrower field. */
let certified2: Buffer;
let certified3: Buffer;
/** The genuine mortgage package: certification (P=2), Notes filled in, two cards, the locking bank seal at B-LTA. */
let mortgage: Buffer;

beforeAll(async () => {
  pki = await setupValidationPki();
  opts = { trustAnchors: [await pki.trust('all')], allowJpkiTestHierarchy: true };
  const lender = await pki.seal('lender');
  template = addTextFields(makePdf(8 * 1024, 'Jitsuin loan agreement: 30,000,000 yen'), ['Amount', 'Notes']);
  cardSigned = join(await signWith(template, await pki.card('yamada-taro'), { placement: { fieldName: 'Borrower' }, level: 'B-T', tsaUrl: pki.tsaUrl }));
  const certify = async (p: 2 | 3) =>
    join(
      await signWith(template, lender, {
        placement: { fieldName: 'LenderCertification', page: 1, rect: box(310, 700) },
        level: 'B-T',
        tsaUrl: pki.tsaUrl,
        certify: p,
        addFields: [{ fieldName: 'Borrower', page: 1, rect: box(40, 460) }],
      }),
    );
  certified2 = await certify(2);
  certified3 = await certify(3);

  let current: Buffer = join(
    await signWith(template, lender, {
      placement: { fieldName: 'LenderCertification', page: 1, rect: box(310, 700) },
      level: 'B-T',
      tsaUrl: pki.tsaUrl,
      certify: 2,
      addFields: [
        { fieldName: 'Borrower', page: 1, rect: box(40, 560) },
        { fieldName: 'CoBorrower', page: 1, rect: box(310, 560) },
        { fieldName: 'BankSeal', page: 1, rect: box(310, 460), lock: true },
      ],
    }),
  );
  current = fillField(current, 'Notes', 'repayment by the 27th of each month');
  for (const [fieldName, person] of [['Borrower', 'yamada-taro'], ['CoBorrower', 'yamada-hanako']] as const) {
    current = join(await signWith(current, await pki.card(person), { placement: { fieldName }, level: 'B-T', tsaUrl: pki.tsaUrl }));
  }
  mortgage = join(await signWith(current, lender, { placement: { fieldName: 'BankSeal' }, level: 'B-LTA', tsaUrl: pki.tsaUrl }));
}, 300_000);

afterAll(async () => {
  await pki?.close();
});

const byField = (report: VerificationReport) => Object.fromEntries(report.signatures.map((s) => [s.field, s])) as Record<string, SignatureReport>;
const row = (s: SignatureReport) => [s.field, s.indication, s.subIndication, s.modifications];
const text = (s: SignatureReport) => s.messages.join('\n');
const FAILED = { indication: 'TOTAL_FAILED', subIndication: 'MODIFICATIONS_NOT_ALLOWED' } as const;

describe('the genuine mortgage package', () => {
  it('at B-LTA: TOTAL_PASSED; the certification saw a form fill (FORM_FILLING), the others signatures, DSS and a document timestamp (LTA_UPDATES)', async () => {
    const report = await verifyPdf(mortgage, opts);
    expect(report.document).toEqual({ indication: 'TOTAL_PASSED', subIndication: null, signatureCount: 5 });
    expect(report.signatures.map((s) => [s.field, s.level, s.indication, s.modifications])).toEqual([
      ['LenderCertification', 'B-LTA', 'TOTAL_PASSED', 'FORM_FILLING'],
      ['Borrower', 'B-LTA', 'TOTAL_PASSED', 'LTA_UPDATES'],
      ['CoBorrower', 'B-LTA', 'TOTAL_PASSED', 'LTA_UPDATES'],
      ['BankSeal', 'B-LTA', 'TOTAL_PASSED', 'LTA_UPDATES'],
      ['DocumentTimestamp5', 'B-LTA', 'TOTAL_PASSED', 'NONE'],
    ]);
    const by = byField(report);
    expect(text(by.LenderCertification!)).toMatch(/field LenderCertification: changed after signing: revision \d+: form field Notes was filled in \(value "repayment by the 27th of each month"\)/);
    expect(text(by.Borrower!)).toMatch(/changed after signing: revision \d+: a signature in the empty field CoBorrower/);
  });

  it('offline from its DSS: the same verdicts', async () => {
    const report = await verifyPdf(mortgage, { ...opts, offline: true });
    expect(report.signatures.map((s) => [s.indication, s.modifications])).toEqual([
      ['TOTAL_PASSED', 'FORM_FILLING'],
      ['TOTAL_PASSED', 'LTA_UPDATES'],
      ['TOTAL_PASSED', 'LTA_UPDATES'],
      ['TOTAL_PASSED', 'LTA_UPDATES'],
      ['TOTAL_PASSED', 'NONE'],
    ]);
  });

  it('a shadow attack (an overlay painted over the signed amount) after B-LTA: every signature TOTAL_FAILED, the document too', async () => {
    const report = await verifyPdf(overlayXObject(mortgage, '90,000,000 yen'), opts);
    expect(report.document).toEqual({ ...FAILED, signatureCount: 5 });
    expect(report.signatures.map(row)).toEqual([
      ['LenderCertification', ...Object.values(FAILED), 'OTHER'],
      ['Borrower', ...Object.values(FAILED), 'OTHER'],
      ['CoBorrower', ...Object.values(FAILED), 'OTHER'],
      ['BankSeal', ...Object.values(FAILED), 'OTHER'],
      ['DocumentTimestamp5', ...Object.values(FAILED), 'OTHER'],
    ]);
    // The signatures themselves still verify: it is the document that changed.
    for (const s of report.signatures) expect(s.integrity).toMatchObject({ byteRange: 'VALID', coverage: 'ENTIRE_REVISION', digestMatches: true, signatureValid: true });
    const first = report.signatures[0]!.messages[0]!;
    expect(first).toMatch(/^field LenderCertification: the document was changed after this signature in a way that is not allowed \(OTHER\): revision \d+: page 1 \(object \d+\) changed its \/Contents, \/Resources/);
  });

  it('the bank seal locks every field: a form fill after it fails the seal; the cards (no lock, P=2) stay passed', async () => {
    const report = await verifyPdf(fillField(mortgage, 'Amount', '90,000,000'), opts);
    expect(report.signatures.map(row)).toEqual([
      ['LenderCertification', 'TOTAL_PASSED', null, 'FORM_FILLING'],
      ['Borrower', 'TOTAL_PASSED', null, 'FORM_FILLING'],
      ['CoBorrower', 'TOTAL_PASSED', null, 'FORM_FILLING'],
      ['BankSeal', ...Object.values(FAILED), 'OTHER'],
      ['DocumentTimestamp5', 'TOTAL_PASSED', null, 'FORM_FILLING'],
    ]);
    expect(report.document).toEqual({ ...FAILED, signatureCount: 5 });
    expect(text(byField(report).BankSeal!)).toMatch(/field Amount is locked by signature BankSeal \(\/Action \/All/);
  });
});

describe('attack generators through verifyPdf', () => {
  const attacks: [string, () => Buffer, string, RegExp][] = [
    ['the page content replaced', () => replacePageContent(cardSigned, 'Jitsuin loan agreement: 90,000,000 yen'), 'Borrower', /page 1 \(object \d+\) changed its \/Contents/],
    ['the content stream redefined in place', () => redefineContentStream(cardSigned, 'Jitsuin loan agreement: 90,000,000 yen'), 'Borrower', /object 4: a stream \(page content or data\) is replaced by a stream/],
    ['a new page', () => addPage(certified2, 'Appendix: the borrower waives every right'), 'LenderCertification', /pages were added, removed or re-ordered/],
    ['a new non-signature field', () => addNewTextField(certified3, 'Cover'), 'LenderCertification', /a new form field Cover \(\/FT \/Tx\) was added/],
    ['an annotation carrying JavaScript', () => overlayAnnotation(certified3, { javascript: 'app.alert(1)' }), 'LenderCertification', /carries an action \(\/S \/JavaScript\)/],
    ['the font reused as an annotation', () => reuseFontAsAnnotation(certified3), 'LenderCertification', /was a \/Font \/Type1 dictionary and is reused as a \/Square annotation/],
    ['the font redefined', () => redefineFont(cardSigned), 'Borrower', /a \/Font \/Type1 dictionary is replaced by a \/Font \/Type1 dictionary/],
    ['an object freed', () => freeObject(cardSigned, 5), 'Borrower', /object 5 \(a \/Font \/Type1 dictionary\) is deleted/],
    ['P=2, then an annotation', () => overlayAnnotation(certified2), 'LenderCertification', /an annotation change is not allowed by the certification \(DocMDP P=2\)/],
  ];

  it.each(attacks)('%s: TOTAL_FAILED MODIFICATIONS_NOT_ALLOWED, saying what changed', async (_name, make, field, what) => {
    const report = await verifyPdf(make(), opts);
    expect(report.document).toEqual({ ...FAILED, signatureCount: 1 });
    const s = report.signatures[0]!;
    expect(s).toMatchObject({ field, ...FAILED });
    expect(s.messages[0]).toMatch(new RegExp(`^field ${field}: the document was changed after this signature in a way that is not allowed`));
    expect(s.messages[0]).toMatch(what);
  });

  it('an attack, then a genuine signature: the earlier signature fails, the later passes', async () => {
    const attacked = replacePageContent(certified2, 'changed');
    const after = join(await signWith(attacked, await pki.card('yamada-taro'), { placement: { fieldName: 'Borrower' }, level: 'B-T', tsaUrl: pki.tsaUrl }));
    const report = await verifyPdf(after, opts);
    expect(report.signatures.map(row)).toEqual([
      ['LenderCertification', ...Object.values(FAILED), 'OTHER'],
      ['Borrower', 'TOTAL_PASSED', null, 'NONE'],
    ]);
    expect(report.document).toEqual({ ...FAILED, signatureCount: 2 });
  });

  it("the signature dictionary's /M and /Reason rewritten: the integrity layer fails it first (FORMAT_FAILURE: its gap is no longer in the signature dictionary), so what changed after it is not told", async () => {
    const report = await verifyPdf(alterSignatureDictionary(cardSigned, 'Borrower'), opts);
    expect(report.document).toEqual({ indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE', signatureCount: 1 });
    const s = report.signatures[0]!;
    expect(s).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE', modifications: null, integrity: { byteRange: 'INVALID' } });
    expect(text(s)).toMatch(/is not inside the signature dictionary/);
  });

  it('a worse problem keeps its sub-indication: a flipped signed byte is HASH_FAILURE even with a disallowed change after it', async () => {
    const attacked = replacePageContent(cardSigned, 'changed');
    const { flipSignedByte } = await import('./helpers.js');
    const s = (await verifyPdf(flipSignedByte(attacked, 'Borrower'), opts)).signatures[0]!;
    expect(s).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE', modifications: 'OTHER' });
    expect(text(s)).toMatch(/not allowed \(OTHER\)/);
  });
});

describe('allowed changes keep the verdict', () => {
  it.each([
    ['P=2: a form fill', () => fillField(certified2, 'Amount', '35,000,000'), 'LenderCertification', 'FORM_FILLING'],
    ['P=3: an annotation', () => overlayAnnotation(certified3), 'LenderCertification', 'ANNOTATIONS'],
    ['no certification: an annotation', () => overlayAnnotation(cardSigned, { subtype: 'FreeText' }), 'Borrower', 'ANNOTATIONS'],
    ['a metadata change', () => setInfo(certified2, 'Loan agreement'), 'LenderCertification', 'LTA_UPDATES'],
    ['the last signature of a file', () => cardSigned, 'Borrower', 'NONE'],
  ] as const)('%s: TOTAL_PASSED', async (_name, make, field, modifications) => {
    const report = await verifyPdf(make(), opts);
    expect(report.document).toEqual({ indication: 'TOTAL_PASSED', subIndication: null, signatureCount: 1 });
    expect(report.signatures[0]).toMatchObject({ field, indication: 'TOTAL_PASSED', modifications });
  });

  it('a B-T signature extended to B-LTA later: LTA_UPDATES, TOTAL_PASSED', async () => {
    const lta = join(await extend(cardSigned, 'B-LTA', { tsaUrl: pki.tsaUrl }));
    const report = await verifyPdf(lta, opts);
    expect(report.signatures.map((s) => [s.indication, s.level, s.modifications])).toEqual([
      ['TOTAL_PASSED', 'B-LTA', 'LTA_UPDATES'],
      ['TOTAL_PASSED', 'B-LTA', 'NONE'],
    ]);
  });
});
