import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { JitsuinError } from '@jitsuin/errors';
import {
  addSignatureFields,
  PdfDict,
  PdfDocument,
  PdfIndirect,
  PdfRef,
  PdfStream,
  PdfString,
  dict,
  digestByteRange,
  embedContents,
  name,
  prepareSignature,
  type PrepareSignatureOptions,
  type PreparedSignature,
} from '../src/index.js';
import { IncrementalWriter } from '../src/writer.js';
import { fakeDer, pdfOf, qpdfCheck, qpdfJson, qpdfXref, run, workDir, type XrefForm } from './fixtures.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FORMS: XrefForm[] = ['classic', 'xref-stream', 'hybrid'];
const SIGNING_TIME = new Date('2025-04-01T09:30:00Z');

function sign(pdf: Buffer, options: Partial<PrepareSignatureOptions> = {}, derSize = 2048) {
  const doc = PdfDocument.open(pdf);
  const prepared = prepareSignature(doc, {
    fieldName: 'Signature1',
    contentsSize: 4096,
    signingTime: SIGNING_TIME,
    ...options,
  });
  const digest = digestByteRange(prepared.parts, prepared.byteRange);
  const parts = embedContents(prepared, fakeDer(derSize));
  return { doc, prepared, digest, parts, output: Buffer.concat(parts) };
}

function errorOf(fn: () => unknown): JitsuinError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(JitsuinError);
    return error as JitsuinError;
  }
  throw new Error('expected an error');
}

/** What an independent reader of the output bytes finds: the /Contents hex must be the only gap. */
function checkByteRange(output: Buffer, prepared: PreparedSignature, der: Buffer): void {
  const [zero, a, b, c] = prepared.byteRange;
  expect(zero).toBe(0);
  expect(b + c).toBe(output.length);
  expect(String.fromCharCode(output[a]!)).toBe('<');
  expect(String.fromCharCode(output[b - 1]!)).toBe('>');
  expect(output.toString('latin1', a - 10, a)).toBe('/Contents ');
  const hex = output.toString('latin1', a + 1, b - 1);
  expect(hex).toMatch(/^[0-9A-F]+$/);
  expect(hex.length).toBe(2 * prepared.contentsSize);
  expect(hex.slice(0, der.length * 2)).toBe(der.toString('hex').toUpperCase());
  expect(/^0*$/.test(hex.slice(der.length * 2))).toBe(true);
  // The /ByteRange in the file says the same.
  const written = /\/ByteRange \[([\d ]+?)\s*\]/.exec(output.toString('latin1', a - 200, a))?.[1];
  expect(written?.split(' ').map(Number)).toEqual(prepared.byteRange);
  // The streaming digest equals SHA-256 of the covered bytes joined.
  const covered = Buffer.concat([output.subarray(0, a), output.subarray(b, b + c)]);
  expect(digestByteRange(prepared.parts, prepared.byteRange).equals(createHash('sha256').update(covered).digest())).toBe(
    true,
  );
}

function fieldsOf(output: Buffer): { fullname: string; value: string | null; pageposfrom1: number; object: string }[] {
  const json = qpdfJson(output, 'acroform') as { acroform: { fields: never[] } };
  return json.acroform.fields;
}

describe.each(FORMS)('signing a %s file', (form) => {
  it('adds an invisible signature: qpdf finds no problem and sees the field', () => {
    const input = pdfOf(form);
    const { prepared, output, doc } = sign(input);
    expect(output.subarray(0, input.length).equals(input)).toBe(true);
    expect(prepared.parts[0]).toBe(input);
    const check = qpdfCheck(output);
    expect(check.ok, check.output).toBe(true);
    checkByteRange(output, prepared, fakeDer(2048));
    const fields = fieldsOf(output);
    expect(fields).toHaveLength(1);
    expect(fields[0]).toMatchObject({ fullname: 'Signature1', pageposfrom1: 1 });
    expect(fields[0]!.value).not.toBeNull();

    // The update uses the form of the file it extends.
    const signed = PdfDocument.open(output);
    expect(signed.xrefForm).toBe(doc.xrefForm);
    const tail = prepared.parts[1].toString('latin1');
    if (doc.xrefForm === 'table') expect(tail).toMatch(/\nxref\n[\s\S]*trailer\n<<[^]*\/Prev \d+/);
    else expect(tail).toMatch(/\/Type \/XRef[^]*\/Index \[/);
    expect(tail).not.toMatch(/\/XRefStm/);
    const xref = qpdfXref(output);
    expect(xref).toMatch(new RegExp(`${prepared.signatureRef.num}/0: uncompressed`));
    // The trailer keeps /Root, /Info and /ID.
    for (const key of ['Root', 'ID', 'Info']) expect(signed.trailer.get(key)).toEqual(doc.trailer.get(key));

    const field = signed.signatureFields()[0]!;
    expect(field).toMatchObject({ name: 'Signature1', signed: true });
    expect(field.signature).toMatchObject({
      type: 'Sig',
      subFilter: 'ETSI.CAdES.detached',
      byteRange: prepared.byteRange,
      signingTime: "D:20250401093000+00'00'",
    });
    expect(field.widgets[0]).toMatchObject({ page: 1, rect: [0, 0, 0, 0] });
    const widget = signed.getObject(field.widgets[0]!.ref!) as PdfDict;
    expect(widget.get('F')).toBe(132);
    expect(signed.acroForm?.get('SigFlags')).toBe(3);
    expect(signed.revisions).toEqual([...doc.revisions, output.length]);
  });

  it('adds a visible signature with the caller’s appearance', () => {
    const input = pdfOf(form);
    const appearance = {
      content: 'q 0.9 0.1 0.1 rg 0 0 200 60 re f Q BT /F1 12 Tf 10 25 Td (Signed) Tj ET',
      resources: dict({
        Font: dict({ F1: new PdfIndirect(dict({ Type: name('Font'), Subtype: name('Type1'), BaseFont: name('Helvetica') })) }),
      }),
    };
    const { prepared, output } = sign(input, { fieldName: 'Visible', page: 1, rect: [300, 100, 500, 160], appearance });
    const check = qpdfCheck(output);
    expect(check.ok, check.output).toBe(true);
    checkByteRange(output, prepared, fakeDer(2048));
    const signed = PdfDocument.open(output);
    const field = signed.signatureFields()[0]!;
    expect(field.widgets[0]).toMatchObject({ page: 1, rect: [300, 100, 500, 160] });
    const widget = signed.getObject(field.widgets[0]!.ref!) as PdfDict;
    const ap = signed.getObject((widget.get('AP') as PdfDict).get('N') as PdfRef) as PdfStream;
    expect(ap.dict.get('BBox')).toEqual([0, 0, 200, 60]);
    expect(signed.decodeStream(ap).toString('latin1')).toBe(appearance.content);
    const font = signed.resolveDict(signed.resolveDict(ap.dict.get('Resources'), 'r')!.get('Font'), 'f')!.get('F1');
    expect(signed.resolveDict(font, 'font')?.name('BaseFont')).toBe('Helvetica');
    // The page lists the widget; the rest of the page dictionary is kept.
    const page = signed.getPage(1);
    expect(page.dict.get('Annots')).toEqual([field.ref]);
    expect(page.dict.get('MediaBox')).toEqual([0, 0, 595, 842]);
  });

  it('signs twice: the first signed revision stays an unchanged prefix', () => {
    const first = sign(pdfOf(form), { fieldName: 'Borrower' });
    const second = sign(first.output, { fieldName: 'Guarantor', page: 1, rect: [10, 10, 110, 60] });
    expect(second.output.subarray(0, first.output.length).equals(first.output)).toBe(true);
    const check = qpdfCheck(second.output);
    expect(check.ok, check.output).toBe(true);
    checkByteRange(second.output, second.prepared, fakeDer(2048));
    const doc = PdfDocument.open(second.output);
    expect(doc.signatureFields().map((f) => [f.name, f.signed])).toEqual([
      ['Borrower', true],
      ['Guarantor', true],
    ]);
    expect(doc.revisions.slice(-2)).toEqual([first.output.length, second.output.length]);
    expect(fieldsOf(second.output).map((f) => f.fullname)).toEqual(['Borrower', 'Guarantor']);
    // Both signatures' byte ranges still cover their revision exactly.
    const [b1, b2] = doc.signatureFields().map((f) => f.signature!.byteRange!);
    expect(b1![2]! + b1![3]!).toBe(first.output.length);
    expect(b2![2]! + b2![3]!).toBe(second.output.length);
  });
});

describe('prepareSignature', () => {
  it('certifies (DocMDP) as the first signature and refuses certification after a signature', () => {
    const certified = sign(pdfOf('classic'), { fieldName: 'Lender', certify: 2 });
    const doc = PdfDocument.open(certified.output);
    expect(doc.isCertified).toBe(true);
    expect(doc.certification).toMatchObject({ permissions: 2 });
    const perms = doc.resolveDict(doc.catalog.get('Perms'), 'perms')!;
    expect(perms.get('DocMDP')).toEqual(certified.prepared.signatureRef);
    expect(doc.signatureFields()[0]!.signature?.docMdp).toBe(2);
    expect(qpdfCheck(certified.output).ok).toBe(true);

    // Signing after certification with P=2 is allowed; certifying again is not.
    const signed = sign(certified.output, { fieldName: 'Borrower' });
    expect(PdfDocument.open(signed.output).signatureFields()).toHaveLength(2);
    const error = errorOf(() => sign(signed.output, { fieldName: 'Again', certify: 2 }));
    expect(error.kind).toBe('FAILED_PRECONDITION');
    expect(error.message).toMatch(/certification signature must be the first signature/);

    const plain = sign(pdfOf('xref-stream'), { fieldName: 'First' });
    expect(errorOf(() => sign(plain.output, { fieldName: 'Cert', certify: 1 })).kind).toBe('FAILED_PRECONDITION');
  });

  it('refuses new signatures after DocMDP P=1 but allows a document timestamp', () => {
    const certified = sign(pdfOf('classic'), { fieldName: 'Lender', certify: 1 });
    expect(errorOf(() => sign(certified.output, { fieldName: 'Borrower' })).message).toMatch(/no changes allowed/);
    const ts = sign(certified.output, { fieldName: 'DocTS', type: 'DocTimeStamp', signingTime: undefined });
    const field = PdfDocument.open(ts.output).signatureFields().find((f) => f.name === 'DocTS');
    expect(field?.signature).toMatchObject({ type: 'DocTimeStamp', subFilter: 'ETSI.RFC3161' });
    expect(field?.signature?.signingTime).toBeUndefined();
  });

  it('writes a lock dictionary (FieldMDP, P=1) and then allows only timestamps', () => {
    const sealed = sign(pdfOf('hybrid'), { fieldName: 'BankSeal', lock: { action: 'All', permissions: 1 } });
    expect(qpdfCheck(sealed.output).ok).toBe(true);
    const doc = PdfDocument.open(sealed.output);
    const field = doc.signatureFields()[0]!;
    expect(field.lock).toEqual({ action: 'All', fields: undefined, permissions: 1 });
    const widget = doc.getObject(field.ref!) as PdfDict;
    expect(widget.get('Lock')).toBeInstanceOf(PdfRef);
    const lock = doc.getObject(widget.get('Lock') as PdfRef) as PdfDict;
    expect(lock.name('Type')).toBe('SigFieldLock');
    expect(field.signature?.fieldMdp).toMatchObject({ action: 'All', permissions: 1 });
    const sig = doc.getObject(field.signature!.ref!) as PdfDict;
    const reference = (sig.get('Reference') as PdfDict[])[0]!;
    expect(reference.get('Data')).toEqual(doc.catalogRef);

    expect(errorOf(() => sign(sealed.output, { fieldName: 'Late' })).message).toMatch(/locked the document/);
    const ts = sign(sealed.output, { fieldName: 'Archive', type: 'DocTimeStamp' });
    expect(qpdfCheck(ts.output).ok).toBe(true);
  });

  it('fills an existing empty signature field of a template', () => {
    // A template with an empty field 'Borrower' on page 1, written with the incremental writer.
    const base = PdfDocument.open(pdfOf('xref-stream'));
    const writer = new IncrementalWriter(base);
    const page = base.getPage(1);
    const widget = writer.add(
      dict({
        Type: name('Annot'),
        Subtype: name('Widget'),
        FT: name('Sig'),
        T: PdfString.text('Borrower'),
        F: 4,
        Rect: [50, 50, 250, 100],
        P: page.ref,
      }),
    );
    writer.update(page.ref, page.dict.clone().set('Annots', [widget]));
    writer.update(base.catalogRef, base.catalog.clone().set('AcroForm', dict({ Fields: [widget] })));
    const template = Buffer.concat(writer.write().parts);
    expect(qpdfCheck(template).ok).toBe(true);
    const tdoc = PdfDocument.open(template);
    expect(tdoc.signatureFields()).toMatchObject([{ name: 'Borrower', signed: false, widgets: [{ page: 1, rect: [50, 50, 250, 100] }] }]);

    const signed = sign(template, { fieldName: 'Borrower', appearance: { content: '0 0 1 rg 0 0 200 50 re f' } });
    const check = qpdfCheck(signed.output);
    expect(check.ok, check.output).toBe(true);
    const doc = PdfDocument.open(signed.output);
    expect(doc.signatureFields()).toMatchObject([{ name: 'Borrower', signed: true, ref: widget }]);
    expect(doc.acroForm?.get('SigFlags')).toBe(3);
    // The same widget, not a new one.
    expect(doc.getPage(1).dict.get('Annots')).toEqual([widget]);
    checkByteRange(signed.output, signed.prepared, fakeDer(2048));

    expect(errorOf(() => sign(signed.output, { fieldName: 'Borrower' })).message).toMatch(/already signed/);
    expect(errorOf(() => sign(template, { fieldName: 'Borrower', page: 1, rect: [0, 0, 1, 1] })).kind).toBe(
      'INVALID_ARGUMENT',
    );
  });

  it('lays out empty fields for every party, certifies, then fills them (the mortgage flow)', () => {
    // The lender adds visible fields for the parties, then certifies (P=2) with its own field.
    const base = pdfOf('xref-stream');
    const withFields = Buffer.concat(
      addSignatureFields(PdfDocument.open(base), [
        { fieldName: 'Borrower', page: 1, rect: [50, 100, 250, 160] },
        { fieldName: 'CoBorrower', page: 1, rect: [300, 100, 500, 160] },
      ]).parts,
    );
    expect(qpdfCheck(withFields).ok).toBe(true);
    expect(PdfDocument.open(withFields).signatureFields().map((f) => [f.name, f.signed])).toEqual([
      ['Borrower', false],
      ['CoBorrower', false],
    ]);
    const certified = sign(withFields, {
      fieldName: 'Lender',
      certify: 2,
      addFields: [{ fieldName: 'BankSeal', lock: { action: 'All', permissions: 1 } }],
    });
    let doc = PdfDocument.open(certified.output);
    expect(doc.signatureFields().map((f) => [f.name, f.signed])).toEqual([
      ['Borrower', false],
      ['CoBorrower', false],
      ['Lender', true],
      ['BankSeal', false],
    ]);
    expect(doc.getPage(1).dict.get('Annots')).toHaveLength(4);
    // Each party fills its own field with an appearance; the bank's seal applies the template's lock.
    const borrower = sign(certified.output, { fieldName: 'Borrower', appearance: { content: '0 g 0 0 200 60 re f' } });
    const coBorrower = sign(borrower.output, { fieldName: 'CoBorrower' });
    const seal = sign(coBorrower.output, { fieldName: 'BankSeal' });
    const check = qpdfCheck(seal.output);
    expect(check.ok, check.output).toBe(true);
    doc = PdfDocument.open(seal.output);
    expect(doc.signatureFields().every((f) => f.signed)).toBe(true);
    const bankSeal = doc.signatureFields().find((f) => f.name === 'BankSeal')!;
    expect(bankSeal.lock).toMatchObject({ action: 'All', permissions: 1 });
    expect(bankSeal.signature?.fieldMdp).toMatchObject({ action: 'All', permissions: 1 });
    expect(doc.getPage(1).dict.get('Annots')).toHaveLength(4);
    expect(errorOf(() => addSignatureFields(doc, [{ fieldName: 'Borrower' }])).kind).toBe('FAILED_PRECONDITION');
  });

  it('refuses DER that does not fit, saying what was reserved and needed', () => {
    const doc = PdfDocument.open(pdfOf('classic'));
    const prepared = prepareSignature(doc, { fieldName: 'S', contentsSize: 1024 });
    const error = errorOf(() => embedContents(prepared, fakeDer(1025)));
    expect(error.kind).toBe('RESOURCE_EXHAUSTED');
    expect(error.message).toMatch(/1025 bytes but only 1024 bytes were reserved/);
    // The prepared signature is untouched and can still take DER that fits.
    const parts = embedContents(prepared, fakeDer(1024));
    expect(qpdfCheck(Buffer.concat(parts)).ok).toBe(true);
  });

  it('refuses bad options with INVALID_ARGUMENT', () => {
    const doc = PdfDocument.open(pdfOf('classic'));
    const base = { fieldName: 'S', contentsSize: 4096 };
    expect(errorOf(() => prepareSignature(doc, { ...base, contentsSize: 0 })).kind).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => prepareSignature(doc, { ...base, fieldName: '' })).kind).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => prepareSignature(doc, { ...base, page: 2 })).message).toMatch(/page 2 does not exist/);
    expect(errorOf(() => prepareSignature(doc, { ...base, type: 'DocTimeStamp', certify: 2 })).kind).toBe(
      'INVALID_ARGUMENT',
    );
    expect(errorOf(() => prepareSignature(doc, { ...base, subFilter: 'ETSI.RFC3161' })).kind).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => prepareSignature(doc, { ...base, rect: [0, 0, Number.NaN, 1] })).kind).toBe(
      'INVALID_ARGUMENT',
    );
  });

  it('hashes the byte range across the parts without joining them', () => {
    const { prepared, parts, output } = sign(pdfOf('classic'));
    const [, a, b, c] = prepared.byteRange;
    const expected = createHash('sha256').update(output.subarray(0, a)).update(output.subarray(b, b + c)).digest();
    expect(digestByteRange(parts, prepared.byteRange)).toEqual(expected);
    expect(digestByteRange([output], prepared.byteRange)).toEqual(expected);
    expect(digestByteRange(parts, prepared.byteRange, 'sha512')).toEqual(
      createHash('sha512').update(output.subarray(0, a)).update(output.subarray(b, b + c)).digest(),
    );
    expect(errorOf(() => digestByteRange(parts, [0, a, b, c + 1])).kind).toBe('INVALID_ARGUMENT');
  });

  it('is found by pdfsig', () => {
    const { output } = sign(pdfOf('xref-stream'), { fieldName: 'Borrower', reason: '金銭消費貸借契約', location: '東京' });
    const { dir, cleanup } = workDir();
    try {
      writeFileSync(join(dir, 'signed.pdf'), output);
      const r = run('pdfsig', ['-nocert', join(dir, 'signed.pdf')]);
      expect(r.stdout).toMatch(/Signature Field Name: Borrower/);
      expect(r.stdout).toMatch(/Total document signed/);
    } finally {
      cleanup();
    }
  });
});
