import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { JitsuinError } from '@jitsuin/errors';
import { appendRevision, makePdf } from '@jitsuin/testkit';
import { PdfDict, PdfDocument, PdfName, PdfRef, PdfStream, PdfString } from '../src/index.js';
import { MINIMAL_OBJECTS, buildPdf, encryptedPdf, hybridPdf, streamBody, xrefStreamPdf } from './fixtures.js';

function errorOf(fn: () => unknown): JitsuinError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(JitsuinError);
    return error as JitsuinError;
  }
  throw new Error('expected an error');
}

describe('PdfDocument.open', () => {
  it('reads a classic file: trailer, catalog, page, revisions', () => {
    const pdf = makePdf(4096);
    const doc = PdfDocument.open(pdf);
    expect(doc.version).toBe('1.7');
    expect(doc.xrefForm).toBe('table');
    expect(doc.nextObjectNumber).toBe(7);
    expect(doc.catalog.name('Type')).toBe('Catalog');
    expect(doc.pageCount).toBe(1);
    expect(doc.getPage(1).ref).toEqual(new PdfRef(3, 0));
    expect(doc.revisions).toEqual([pdf.length]);
    expect(doc.signatureFields()).toEqual([]);
    expect(doc.acroForm).toBeUndefined();
    expect(doc.isCertified).toBe(false);
  });

  it('lists the revisions of an incrementally updated file and reads the newest objects', () => {
    const first = makePdf(4096);
    const second = appendRevision(first, 'second');
    const doc = PdfDocument.open(second);
    expect(doc.revisions).toEqual([first.length, second.length]);
    const note = doc.getObject(new PdfRef(7, 0));
    expect(note).toBeInstanceOf(PdfString);
    expect((note as PdfString).text()).toBe('second');
    expect(doc.sections).toHaveLength(2);
  });

  it('reads objects inside object streams through an xref stream', () => {
    const pdf = xrefStreamPdf();
    const doc = PdfDocument.open(pdf);
    expect(doc.xrefForm).toBe('stream');
    const catalogEntry = doc.xrefEntry(doc.catalogRef.num);
    expect(catalogEntry).toBeDefined();
    const page = doc.getPage(1);
    expect(page.dict.name('Type')).toBe('Page');
    // qpdf puts the page dictionary into an object stream.
    expect(doc.xrefEntry(page.ref.num)?.type).toBe('compressed');
    expect(doc.revisions).toEqual([pdf.length]);
  });

  it('reads a hybrid file: objects listed only in the /XRefStm win over the older table', () => {
    const pdf = hybridPdf();
    const doc = PdfDocument.open(pdf);
    expect(doc.xrefForm).toBe('table');
    expect(doc.sections[0]?.xrefStm).toBeGreaterThan(0);
    expect((doc.catalog.get('Lang') as PdfString).text()).toBe('ja-JP');
    expect(doc.getPage(1).dict.get('Tabs')).toBe(PdfName.of('S'));
    expect(doc.xrefEntry(1)?.type).toBe('compressed');
  });

  it('finds the Nth page of a deep page tree by /Count and numbers pages back from /Parent', () => {
    // 2 /Pages nodes of 3 pages each: objects 1 catalog, 2 root, 3-4 nodes, 5-10 pages.
    const objects = [
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 6 >>',
      '<< /Type /Pages /Parent 2 0 R /Kids [5 0 R 6 0 R 7 0 R] /Count 3 >>',
      '<< /Type /Pages /Parent 2 0 R /Kids [8 0 R 9 0 R 10 0 R] /Count 3 >>',
      ...[5, 6, 7].map(() => '<< /Type /Page /Parent 3 0 R /MediaBox [0 0 10 10] >>'),
      ...[8, 9, 10].map(() => '<< /Type /Page /Parent 4 0 R /MediaBox [0 0 10 10] >>'),
    ];
    const doc = PdfDocument.open(buildPdf(objects));
    expect(doc.pageCount).toBe(6);
    expect(doc.getPage(5).ref).toEqual(new PdfRef(9, 0));
    expect(doc.pageNumberOf(new PdfRef(9, 0))).toBe(5);
    expect(doc.pageNumberOf(new PdfRef(5, 0))).toBe(1);
    expect(errorOf(() => doc.getPage(7)).message).toMatch(/page 7 does not exist: the document has 6 pages/);
  });

  it('refuses a page tree that loops', () => {
    const doc = PdfDocument.open(
      buildPdf([
        '<< /Type /Catalog /Pages 2 0 R >>',
        '<< /Type /Pages /Kids [3 0 R] /Count 2 >>',
        '<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 2 >>',
      ]),
    );
    const error = errorOf(() => doc.getPage(2));
    expect(error.kind).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/page tree loops/);
  });

  it('refuses encrypted PDFs with FAILED_PRECONDITION', () => {
    const error = errorOf(() => PdfDocument.open(encryptedPdf()));
    expect(error.kind).toBe('FAILED_PRECONDITION');
    expect(error.message).toBe('encrypted PDFs cannot be signed');
  });

  it('refuses a file without %%EOF, without header, or with a wrong startxref', () => {
    const pdf = makePdf(2048);
    const truncated = pdf.subarray(0, pdf.length - 7);
    expect(errorOf(() => PdfDocument.open(truncated)).message).toMatch(/missing %%EOF/);
    expect(errorOf(() => PdfDocument.open(Buffer.from('hello world'))).message).toMatch(/not a PDF/);
    const text = pdf.toString('latin1').replace(/startxref\n\d+/, 'startxref\n17');
    const wrong = Buffer.from(text, 'latin1');
    const error = errorOf(() => PdfDocument.open(wrong));
    expect(error.kind).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/no xref table or xref stream at offset 17/);
    const outside = Buffer.from(text.replace('startxref\n17', 'startxref\n99999999'), 'latin1');
    expect(errorOf(() => PdfDocument.open(outside)).message).toMatch(/outside the file/);
  });

  it('refuses a /Prev chain that loops', () => {
    const pdf = makePdf(2048);
    const startxref = Number(/startxref\s+(\d+)/.exec(pdf.toString('latin1', pdf.length - 40))?.[1]);
    const looped = Buffer.from(pdf.toString('latin1').replace('/Root 1 0 R', `/Root 1 0 R /Prev ${startxref}`), 'latin1');
    expect(errorOf(() => PdfDocument.open(looped)).message).toMatch(/loops back/);
  });

  it('refuses xref entries that are neither n nor f, and objects the xref misplaces', () => {
    const pdf = makePdf(2048);
    const badType = Buffer.from(pdf.toString('latin1').replace(/(\d{10} 00000) n(\s+trailer)/, '$1 x$2'), 'latin1');
    expect(errorOf(() => PdfDocument.open(badType)).message).toMatch(/has type 'x'/);
    // Object 3's offset pointed at object 2.
    const rows = pdf.toString('latin1').match(/\d{10} 00000 n/g)!;
    const swapped = Buffer.from(pdf.toString('latin1').replace(rows[2]!, rows[1]!), 'latin1');
    const doc = PdfDocument.open(swapped);
    expect(errorOf(() => doc.getPage(1)).message).toMatch(/points at object 2 0 where object 3 0 should be/);
  });

  it('refuses a stream whose /Length refers to itself (reference loop)', () => {
    const doc = PdfDocument.open(
      buildPdf([...MINIMAL_OBJECTS, Buffer.from('<< /Length 4 0 R >>\nstream\nabc\nendstream', 'latin1')]),
    );
    expect(errorOf(() => doc.getObject(new PdfRef(4, 0))).message).toMatch(/reference loop/);
  });

  it('refuses arrays nested too deeply and duplicate dictionary keys', () => {
    const deep = `${'['.repeat(200)}${']'.repeat(200)}`;
    const doc = PdfDocument.open(buildPdf([...MINIMAL_OBJECTS, deep, '<< /A 1 /A 2 >>']));
    expect(errorOf(() => doc.getObject(new PdfRef(4, 0))).message).toMatch(/nested deeper than 64/);
    expect(errorOf(() => doc.getObject(new PdfRef(5, 0))).message).toMatch(/duplicate key \/A/);
  });

  it('caps decompression: an object stream that inflates past the limit is RESOURCE_EXHAUSTED', () => {
    const bomb = deflateSync(Buffer.alloc(8 * 1024 * 1024, 0x20));
    const body = streamBody('/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode', bomb);
    // Object 1 is compressed in object stream 4: build an xref stream by hand.
    const header = Buffer.from('%PDF-1.7\n', 'latin1');
    const objs = [
      '2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n',
      '3 0 obj\n<< /Type /Page /Parent 2 0 R >>\nendobj\n',
    ].map((s) => Buffer.from(s, 'latin1'));
    const parts = [header, ...objs];
    const offsets = [header.length, header.length + objs[0]!.length];
    let offset = offsets[1]! + objs[1]!.length;
    const obj4 = Buffer.concat([Buffer.from('4 0 obj\n', 'latin1'), body, Buffer.from('\nendobj\n', 'latin1')]);
    const off4 = offset;
    parts.push(obj4);
    offset += obj4.length;
    const row = (t: number, f2: number, f3: number) => Buffer.from([t, (f2 >> 8) & 0xff, f2 & 0xff, f3]);
    const rows = Buffer.concat([row(0, 0, 255), row(2, 4, 0), row(1, offsets[0]!, 0), row(1, offsets[1]!, 0), row(1, off4, 0), row(1, offset, 0)]);
    parts.push(
      Buffer.from(`5 0 obj\n<< /Type /XRef /Size 6 /W [1 2 1] /Root 1 0 R /Length ${rows.length} >>\nstream\n`, 'latin1'),
      rows,
      Buffer.from(`\nendstream\nendobj\nstartxref\n${offset}\n%%EOF\n`, 'latin1'),
    );
    const doc = PdfDocument.open(Buffer.concat(parts), { maxDecodedStreamBytes: 1024 * 1024 });
    const error = errorOf(() => doc.catalog);
    expect(error.kind).toBe('RESOURCE_EXHAUSTED');
    expect(error.message).toMatch(/more than 1048576 bytes/);
  });

  it('decodes a FlateDecode stream with a PNG predictor', () => {
    // Two rows of 3 bytes with the Up predictor.
    const raw = Buffer.from([2, 1, 2, 3, 2, 1, 1, 1]);
    const doc = PdfDocument.open(
      buildPdf([
        ...MINIMAL_OBJECTS,
        streamBody('/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 3 >>', deflateSync(raw)),
      ]),
    );
    const stream = doc.getObject(new PdfRef(4, 0)) as PdfStream;
    expect([...doc.decodeStream(stream)]).toEqual([1, 2, 3, 2, 3, 4]);
  });

  it('parses strings, names and numbers as written', () => {
    const doc = PdfDocument.open(
      buildPdf([...MINIMAL_OBJECTS, '<< /A (a\\(b\\)\\101\\\nc) /B <FEFF3042> /C /A#20B /D -1.5 /E [1 0 R 2] >>']),
    );
    const d = doc.getObject(new PdfRef(4, 0)) as PdfDict;
    expect((d.get('A') as PdfString).text()).toBe('a(b)Ac');
    expect((d.get('B') as PdfString).text()).toBe('あ');
    expect((d.get('C') as PdfName).value).toBe('A B');
    expect(d.get('D')).toBe(-1.5);
    expect(d.get('E')).toEqual([new PdfRef(1, 0), 2]);
  });
});

describe('hex strings', () => {
  const sigPdf = (contents: string) =>
    buildPdf([
      '<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] /SigFlags 3 >> >>',
      MINIMAL_OBJECTS[1]!,
      MINIMAL_OBJECTS[2]!,
      '<< /FT /Sig /T (Signer1) /V 5 0 R /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /P 3 0 R >>',
      `<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [0 10 20 30] /M (D:20250101000000Z) /Contents <${contents}> >>`,
    ]);
  const contentsOf = (doc: PdfDocument) => doc.resolve((doc.getObject(new PdfRef(5, 0)) as PdfDict).get('Contents')) as PdfString;

  it('decode long ones (a /Contents) to the same bytes as short ones: case, whitespace, an odd last digit', () => {
    const raw = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff));
    const hex = raw.toString('hex');
    const written = `${hex.slice(0, 2000).toUpperCase()}\n ${hex.slice(2000, 4000)}\r\n\t${hex.slice(4000)}a`;
    const contents = contentsOf(PdfDocument.open(sigPdf(written)));
    expect(contents.hex).toBe(true);
    expect(contents.bytes).toEqual(Buffer.concat([raw, Buffer.from([0xa0])]));
    expect(contents.bytes).toBe(contents.bytes);
    // Plain hex of even length, as signers write /Contents, upper or lower case.
    for (const plain of [hex, hex.toUpperCase()]) expect(contentsOf(PdfDocument.open(sigPdf(plain))).bytes).toEqual(raw);
  });

  it("are decoded when their bytes are read: the signature fields of a file with a malformed /Contents read, its bytes fail as the parser's would", () => {
    const good = 'ab'.repeat(4000);
    const pdf = sigPdf(`${good.slice(0, 3000)}zz${good.slice(3000)}`);
    const doc = PdfDocument.open(pdf);
    const [field] = doc.signatureFields();
    expect(field).toMatchObject({ name: 'Signer1', signed: true, signature: { subFilter: 'ETSI.CAdES.detached', byteRange: [0, 10, 20, 30], signingTime: 'D:20250101000000Z' } });
    const at = pdf.indexOf('zz');
    const err = errorOf(() => contentsOf(doc).bytes);
    expect(err.kind).toBe('INVALID_ARGUMENT');
    expect(err.message).toBe(`invalid PDF: object 5 0: invalid 'z' in hex string (at byte ${at})`);
    // Short hex strings (names, IDs) are still checked as they are parsed.
    const short = PdfDocument.open(sigPdf('abzz'));
    expect(errorOf(() => short.signatureFields()).message).toMatch(/invalid 'z' in hex string/);
  });
});
