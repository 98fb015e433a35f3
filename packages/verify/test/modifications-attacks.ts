import {
  addSignatureFields,
  dict,
  IncrementalWriter,
  name,
  PdfDict,
  PdfDocument,
  type PdfObject,
  PdfRef,
  PdfStream,
  PdfString,
  readTerminalFields,
  type SignatureFieldSpec,
} from '@jitsuin/pdf';
import type { SignedRevisionRef } from '../src/modifications.js';

/**
 * Attack generators for the modification analysis: each takes a (signed) PDF and returns it with
 * one more incremental update that does what an attacker would. Most go through our own
 * incremental writer, as a real editor would; the xref tricks append bytes by hand.
 */

/** Every signed field with the end of its signed bytes, as the verifier hands them over. */
export function signedRevisions(pdf: Buffer): SignedRevisionRef[] {
  return PdfDocument.open(pdf)
    .signatureFields()
    .filter((f) => f.signed && f.signature?.byteRange?.length === 4)
    .map((f) => {
      const [, , b, c] = f.signature!.byteRange!;
      return { fieldName: f.name, signedRevisionEnd: b! + c! };
    });
}

/** One incremental update made by `edit` with our writer. */
export function update(pdf: Buffer, edit: (doc: PdfDocument, writer: IncrementalWriter) => void): Buffer {
  const doc = PdfDocument.open(pdf);
  const writer = new IncrementalWriter(doc);
  edit(doc, writer);
  return Buffer.concat(writer.write().parts);
}

const stream = (content: string, entries: Record<string, PdfObject | undefined> = {}) => new PdfStream(dict(entries), Buffer.from(content, 'latin1'));
const current = (doc: PdfDocument, writer: IncrementalWriter, ref: PdfRef) => (writer.pending(ref) ?? doc.getObject(ref)) as PdfDict;

/** Text form fields (unsigned), merged with their widgets on page 1: the template a lender fills. */
export function addTextFields(pdf: Buffer, names: string[]): Buffer {
  return update(pdf, (doc, w) => {
    const page = doc.getPage(1);
    const refs = names.map((n, i) =>
      w.add(dict({ Type: name('Annot'), Subtype: name('Widget'), FT: name('Tx'), T: PdfString.text(n), V: PdfString.text(''), DA: PdfString.text('/Helv 12 Tf 0 g'), F: 4, Rect: [72, 600 - i * 40, 372, 624 - i * 40], P: page.ref })),
    );
    w.update(page.ref, page.dict.clone().set('Annots', [...(doc.resolveArray(page.dict.get('Annots'), 'annots') ?? []), ...refs]));
    const form = w.add(dict({ Fields: refs, DA: PdfString.text('/Helv 0 Tf 0 g') }));
    w.update(doc.catalogRef, doc.catalog.clone().set('AcroForm', form));
  });
}

/** Empty signature fields added as an unsigned update (e.g. one that applies a FieldMDP lock once signed). */
export function addEmptySignatureFields(pdf: Buffer, specs: SignatureFieldSpec[]): Buffer {
  return Buffer.concat(addSignatureFields(PdfDocument.open(pdf), specs).parts);
}

/** Form filling: a text field's /V and a new appearance showing it. */
export function fillField(pdf: Buffer, fieldName: string, value: string): Buffer {
  return update(pdf, (doc, w) => {
    const field = readTerminalFields(doc).find((f) => f.name === fieldName);
    if (!field?.ref) throw new Error(`no field ${fieldName}`);
    const ap = w.add(stream(`/Tx BMC BT /Helv 12 Tf 2 6 Td (${value}) Tj ET EMC`, { Type: name('XObject'), Subtype: name('Form'), BBox: [0, 0, 300, 24] }));
    w.update(field.ref, field.dict.clone().set('V', PdfString.text(value)).set('AP', dict({ N: ap })));
  });
}

/** The signed page's content replaced by a new content stream (shadow attack "replace"). */
export function replacePageContent(pdf: Buffer, text: string): Buffer {
  return update(pdf, (doc, w) => {
    const page = doc.getPage(1);
    const content = w.add(stream(`BT /F1 24 Tf 72 720 Td (${text}) Tj ET`));
    w.update(page.ref, current(doc, w, page.ref).clone().set('Contents', content));
  });
}

/** The page's existing content stream object redefined in place (same object number, other text). */
export function redefineContentStream(pdf: Buffer, text: string): Buffer {
  return update(pdf, (doc, w) => {
    const contents = doc.getPage(1).dict.get('Contents') as PdfRef;
    w.update(contents, stream(`BT /F1 24 Tf 72 720 Td (${text}) Tj ET`));
  });
}

/** A form XObject painted over the page: a white box hiding the signed text, new text on it ("hide" + "replace"). */
export function overlayXObject(pdf: Buffer, text: string): Buffer {
  return update(pdf, (doc, w) => {
    const page = doc.getPage(1);
    const dictNow = current(doc, w, page.ref);
    const resources = (doc.resolveDict(dictNow.get('Resources'), 'resources') ?? new PdfDict()).clone();
    const overlay = w.add(stream(`1 g 0 0 595 80 re f 0 g BT /F1 24 Tf 10 30 Td (${text}) Tj ET`, { Type: name('XObject'), Subtype: name('Form'), BBox: [0, 0, 595, 80], Resources: resources.get('Font') ? dict({ Font: resources.get('Font') }) : undefined }));
    resources.set('XObject', dict({ Ov: overlay }));
    const draw = w.add(stream('q 1 0 0 1 0 700 cm /Ov Do Q'));
    const old = dictNow.get('Contents')!;
    w.update(page.ref, dictNow.clone().set('Resources', resources).set('Contents', [...(Array.isArray(old) ? old : [old]), draw]));
  });
}

/** A markup annotation with an opaque appearance over the signed text (shadow attack "hide" through an annotation). */
export function overlayAnnotation(pdf: Buffer, options: { subtype?: string; javascript?: string } = {}): Buffer {
  return update(pdf, (doc, w) => {
    const page = doc.getPage(1);
    const rect = [60, 700, 560, 760];
    const ap = w.add(stream('1 g 0 0 500 60 re f', { Type: name('XObject'), Subtype: name('Form'), BBox: [0, 0, 500, 60] }));
    const annot = w.add(
      dict({
        Type: name('Annot'),
        Subtype: name(options.subtype ?? 'Square'),
        Rect: rect,
        P: page.ref,
        F: 4,
        AP: dict({ N: ap }),
        A: options.javascript ? dict({ S: name('JavaScript'), JS: PdfString.text(options.javascript) }) : undefined,
      }),
    );
    addToAnnots(doc, w, page.ref, annot);
  });
}

function addToAnnots(doc: PdfDocument, w: IncrementalWriter, pageRef: PdfRef, annot: PdfRef): void {
  const pageDict = current(doc, w, pageRef);
  const annots = pageDict.get('Annots');
  if (annots instanceof PdfRef) w.update(annots, [...(doc.resolveArray(annots, 'annots') ?? []), annot]);
  else w.update(pageRef, pageDict.clone().set('Annots', [...(Array.isArray(annots) ? annots : []), annot]));
}

/** A new page appended to the page tree. */
export function addPage(pdf: Buffer, text: string): Buffer {
  return update(pdf, (doc, w) => {
    const pagesRef = doc.catalog.get('Pages') as PdfRef;
    const pages = doc.getObject(pagesRef) as PdfDict;
    const first = doc.getPage(1);
    const content = w.add(stream(`BT /F1 24 Tf 72 720 Td (${text}) Tj ET`));
    const page = w.add(dict({ Type: name('Page'), Parent: pagesRef, MediaBox: [0, 0, 595, 842], Contents: content, Resources: first.dict.get('Resources') }));
    const kids = doc.resolveArray(pages.get('Kids'), 'kids') ?? [];
    w.update(pagesRef, pages.clone().set('Kids', [...kids, page]).set('Count', kids.length + 1));
  });
}

/** The signature dictionary of `fieldName` rewritten with another signing time and reason (its /Contents kept). */
export function alterSignatureDictionary(pdf: Buffer, fieldName: string): Buffer {
  return update(pdf, (doc, w) => {
    const ref = doc.signatureFields().find((f) => f.name === fieldName)?.signature?.ref;
    if (!ref) throw new Error(`no signature dictionary for ${fieldName}`);
    const sig = (doc.getObject(ref) as PdfDict).clone();
    sig.set('M', PdfString.text("D:20200101000000+00'00'")).set('Reason', PdfString.text('approved a different amount'));
    w.update(ref, sig);
  });
}

/** Object reuse: the font the signed page draws with is redefined as an annotation and put on the page. */
export function reuseFontAsAnnotation(pdf: Buffer): Buffer {
  return update(pdf, (doc, w) => {
    const page = doc.getPage(1);
    const resources = doc.resolveDict(page.dict.get('Resources'), 'resources')!;
    const font = doc.resolveDict(resources.get('Font'), 'fonts')!.get('F1') as PdfRef;
    w.update(font, dict({ Type: name('Annot'), Subtype: name('Square'), Rect: [60, 700, 560, 760], IC: [1, 1, 1], C: [1, 1, 1] }));
    addToAnnots(doc, w, page.ref, font);
  });
}

/** The font object redefined as another font: the page's text renders with other glyphs. */
export function redefineFont(pdf: Buffer): Buffer {
  return update(pdf, (doc, w) => {
    const resources = doc.resolveDict(doc.getPage(1).dict.get('Resources'), 'resources')!;
    const font = doc.resolveDict(resources.get('Font'), 'fonts')!.get('F1') as PdfRef;
    w.update(font, dict({ Type: name('Font'), Subtype: name('Type1'), BaseFont: name('Courier') }));
  });
}

/** A new text field (with its widget) added after signing, e.g. to cover the page. */
export function addNewTextField(pdf: Buffer, fieldName: string): Buffer {
  return update(pdf, (doc, w) => {
    const page = doc.getPage(1);
    const field = w.add(dict({ Type: name('Annot'), Subtype: name('Widget'), FT: name('Tx'), T: PdfString.text(fieldName), V: PdfString.text('covered'), Rect: [60, 700, 560, 760], P: page.ref }));
    addToAnnots(doc, w, page.ref, field);
    const formRef = doc.catalog.get('AcroForm') as PdfRef;
    const form = (doc.getObject(formRef) as PdfDict).clone();
    form.set('Fields', [...(doc.resolveArray(form.get('Fields'), 'fields') ?? []), field]);
    w.update(formRef, form);
  });
}

/** A new document information dictionary (/Info): a metadata change. */
export function setInfo(pdf: Buffer, title: string): Buffer {
  const doc = PdfDocument.open(pdf);
  const n = doc.nextObjectNumber;
  return appendRaw(pdf, [{ num: n, body: `<< /Title ${`(${title})`} /Producer (Jitsuin test) >>` }], { info: n });
}

/**
 * Appends an update by hand: objects, freed numbers, a trailer with /Size and /Prev. For the xref
 * tricks our writer would never produce.
 */
export function appendRaw(pdf: Buffer, objects: { num: number; body: string }[], options: { free?: number[]; size?: number; info?: number; prev?: number } = {}): Buffer {
  const doc = PdfDocument.open(pdf);
  const chunks: string[] = [];
  let offset = pdf.length + 1;
  const offsets = new Map<number, number>();
  for (const o of objects) {
    const text = `${o.num} 0 obj\n${o.body}\nendobj\n`;
    offsets.set(o.num, offset);
    chunks.push(text);
    offset += Buffer.byteLength(text, 'latin1');
  }
  const rows = [...offsets.entries()].map(([num, at]) => `${num} 1\n${String(at).padStart(10, '0')} 00000 n \n`);
  for (const num of options.free ?? []) rows.push(`${num} 1\n0000000000 00001 f \n`);
  const size = options.size ?? Math.max(doc.nextObjectNumber, ...objects.map((o) => o.num + 1));
  const root = doc.trailer.get('Root') as PdfRef;
  const info = options.info ?? (doc.trailer.get('Info') as PdfRef | undefined)?.num;
  const trailer = `<< /Size ${size} /Root ${root.num} ${root.gen} R${info !== undefined ? ` /Info ${info} 0 R` : ''} /Prev ${options.prev ?? doc.startxref} >>`;
  const xref = `xref\n${rows.join('')}trailer\n${trailer}\nstartxref\n${offset}\n%%EOF\n`;
  return Buffer.concat([pdf, Buffer.from(`\n${chunks.join('')}${xref}`, 'latin1')]);
}

/** Frees (deletes) object `num` in a new xref section. */
export function freeObject(pdf: Buffer, num: number): Buffer {
  return appendRaw(pdf, [], { free: [num] });
}

/**
 * Before signing: the page's resources name a font /F2 by a number the revision leaves undefined
 * below its /Size (it resolves to null, so the page shows nothing of it). Returns the prepared PDF
 * and the number; `defineDangling` later gives that number a body without touching the page.
 */
export function prepareDanglingFont(pdf: Buffer): { pdf: Buffer; num: number } {
  const doc = PdfDocument.open(pdf);
  const page = doc.getPage(1);
  const num = doc.nextObjectNumber + 5;
  const resources = doc.resolveDict(page.dict.get('Resources'), 'resources')!;
  const fonts = doc.resolveDict(resources.get('Font'), 'fonts')!;
  const fontEntries = [...fonts.entries].map(([k, v]) => `/${k} ${String(v)}`).join(' ');
  const body = pageBody(page.dict, `/Resources << /Font << ${fontEntries} /F2 ${num} 0 R >> >>`);
  return { pdf: appendRaw(pdf, [{ num: page.ref.num, body }], { size: num + 10 }), num };
}

export function defineDangling(pdf: Buffer, num: number): Buffer {
  return appendRaw(pdf, [{ num, body: '<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>' }]);
}

/** A page dictionary as text with its /Resources replaced (keys other than Resources serialised simply). */
function pageBody(page: PdfDict, resources: string): string {
  const parts: string[] = [];
  for (const [k, v] of page.entries) {
    if (k === 'Resources') continue;
    parts.push(`/${k} ${simple(v)}`);
  }
  return `<< ${parts.join(' ')} ${resources} >>`;
}

function simple(v: PdfObject): string {
  if (v instanceof PdfRef) return `${v.num} ${v.gen} R`;
  if (Array.isArray(v)) return `[${v.map(simple).join(' ')}]`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  if (v instanceof PdfDict) return `<< ${[...v.entries].map(([k, x]) => `/${k} ${simple(x)}`).join(' ')} >>`;
  if (v instanceof PdfString) return `<${v.bytes.toString('hex')}>`;
  return String(v);
}

/**
 * A one-page PDF in the cross-reference stream form, its font stored in an object stream (6):
 * updates to it are written with xref streams too.
 */
export function makeXrefStreamPdf(text: string): Buffer {
  const content = `BT /F1 24 Tf 72 720 Td (${text}) Tj ET`;
  const fontBody = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';
  const objStmHeader = '5 0 ';
  const bodies: [number, string][] = [
    [1, '<< /Type /Catalog /Pages 2 0 R >>'],
    [2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>'],
    [3, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>'],
    [4, `<< /Length ${content.length} >>\nstream\n${content}\nendstream`],
    [6, `<< /Type /ObjStm /N 1 /First ${objStmHeader.length} /Length ${objStmHeader.length + fontBody.length} >>\nstream\n${objStmHeader}${fontBody}\nendstream`],
  ];
  let out = '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n';
  const offsets = new Map<number, number>();
  for (const [num, body] of bodies) {
    offsets.set(num, Buffer.byteLength(out, 'latin1'));
    out += `${num} 0 obj\n${body}\nendobj\n`;
  }
  const xrefAt = Buffer.byteLength(out, 'latin1');
  const row = (type: number, f2: number, f3: number) => {
    const b = Buffer.alloc(7);
    b[0] = type;
    b.writeUInt32BE(f2, 1);
    b.writeUInt16BE(f3, 5);
    return b;
  };
  const rows = Buffer.concat([row(0, 0, 65535), ...[1, 2, 3, 4].map((n) => row(1, offsets.get(n)!, 0)), row(2, 6, 0), row(1, offsets.get(6)!, 0), row(1, xrefAt, 0)]);
  out += `7 0 obj\n<< /Type /XRef /Size 8 /W [1 4 2] /Index [0 8] /Root 1 0 R /Length ${rows.length} >>\nstream\n`;
  return Buffer.concat([Buffer.from(out, 'latin1'), rows, Buffer.from(`\nendstream\nendobj\nstartxref\n${xrefAt}\n%%EOF\n`, 'latin1')]);
}

/** The object stream holding the font redefined: the font changes though the update lists only the stream. */
export function redefineObjectStream(pdf: Buffer, objStm: number): Buffer {
  return update(pdf, (doc, w) => {
    const header = '5 0 ';
    const body = '<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>';
    w.update(new PdfRef(objStm, 0), new PdfStream(dict({ Type: name('ObjStm'), N: 1, First: header.length }), Buffer.from(header + body, 'latin1')));
  });
}
