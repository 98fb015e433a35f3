import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  PdfDict,
  PdfDocument,
  PdfIndirect,
  PdfRef,
  PdfStream,
  PdfString,
  appendDss,
  dict,
  digestByteRange,
  embedContents,
  name,
  prepareSignature,
  vriKey,
  writeIncrementalUpdate,
  writeParts,
  IncrementalWriter,
} from '../src/index.js';
import { fakeDer, pdfOf, qpdfCheck, qpdfXref, workDir, type XrefForm } from './fixtures.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

function signed(form: XrefForm): Buffer {
  const doc = PdfDocument.open(pdfOf(form));
  const prepared = prepareSignature(doc, { fieldName: 'Borrower', contentsSize: 4096 });
  return Buffer.concat(embedContents(prepared, fakeDer(3000)));
}

const itemsOf = (doc: PdfDocument, key: string): PdfRef[] =>
  (doc.resolveArray(doc.resolveDict(doc.catalog.get('DSS'), 'dss')!.get(key), key) ?? []) as PdfRef[];

describe.each(['classic', 'xref-stream'] as const)('appendDss on a %s file', (form) => {
  it('adds a DSS, then merges a second call reusing stored items', () => {
    const input = signed(form);
    const [cert1, cert2, cert3, crl, ocsp] = [1, 2, 3, 4, 5].map(() => randomBytes(700));
    const sigKey = vriKey(fakeDer(3000));
    const first = Buffer.concat(
      appendDss(PdfDocument.open(input), {
        certs: [cert1!, cert2!],
        crls: [crl!],
        ocsps: [ocsp!],
        vri: { [sigKey]: { certs: [cert1!], ocsps: [ocsp!] } },
      }).parts,
    );
    expect(first.subarray(0, input.length).equals(input)).toBe(true);
    let check = qpdfCheck(first);
    expect(check.ok, check.output).toBe(true);
    let doc = PdfDocument.open(first);
    expect(doc.xrefForm).toBe(form === 'classic' ? 'table' : 'stream');
    const certs = itemsOf(doc, 'Certs');
    expect(certs).toHaveLength(2);
    expect(doc.decodeStream(doc.getObject(certs[0]!) as PdfStream).equals(cert1!)).toBe(true);
    expect(itemsOf(doc, 'CRLs')).toHaveLength(1);
    expect(itemsOf(doc, 'OCSPs')).toHaveLength(1);
    const vri = doc.resolveDict(doc.resolveDict(doc.catalog.get('DSS'), 'dss')!.get('VRI'), 'vri')!;
    const entry = vri.get(sigKey) as PdfDict;
    expect(entry.get('Cert')).toEqual([certs[0]]);
    expect(entry.get('OCSP')).toEqual(itemsOf(doc, 'OCSPs'));
    // The signature is untouched.
    const sig = doc.signatureFields()[0]!.signature!;
    expect(sig.byteRange![2]! + sig.byteRange![3]!).toBe(input.length);

    // Second call: one known certificate, one new; the known CRL again.
    const second = Buffer.concat(appendDss(doc, { certs: [cert1!, cert3!], crls: [crl!] }).parts);
    expect(second.subarray(0, first.length).equals(first)).toBe(true);
    check = qpdfCheck(second);
    expect(check.ok, check.output).toBe(true);
    doc = PdfDocument.open(second);
    const merged = itemsOf(doc, 'Certs');
    expect(merged).toHaveLength(3);
    expect(merged.slice(0, 2)).toEqual(certs);
    expect(itemsOf(doc, 'CRLs')).toHaveLength(1);
    expect(doc.resolveDict(doc.resolveDict(doc.catalog.get('DSS'), 'dss')!.get('VRI'), 'vri')!.has(sigKey)).toBe(true);

    // Nothing new: nothing appended.
    const third = appendDss(doc, { certs: [cert3!], ocsps: [ocsp!] });
    expect(third.parts[1].length).toBe(0);

    // B-LTA: a document timestamp after the DSS.
    const ts = prepareSignature(doc, { fieldName: 'Archive', type: 'DocTimeStamp', contentsSize: 8192 });
    const final = Buffer.concat(embedContents(ts, fakeDer(5000)));
    expect(qpdfCheck(final).ok).toBe(true);
    expect(PdfDocument.open(final).signatureFields().map((f) => f.signature?.type)).toEqual(['Sig', 'DocTimeStamp']);
  });
});

describe('writeIncrementalUpdate', () => {
  it.each(['classic', 'xref-stream', 'hybrid'] as const)('writes changed and new objects into a %s file', (form) => {
    const input = pdfOf(form);
    const doc = PdfDocument.open(input);
    const infoNum = doc.nextObjectNumber;
    const info = new PdfRef(infoNum, 0);
    const catalog = doc.catalog.clone().set('PageMode', name('UseOutlines'));
    const values = dict({
      Title: PdfString.text('抵当権設定契約書'),
      Producer: PdfString.text('Jitsuin (test) \\ ok'),
      Real: 0.000001,
      Neg: -12.5,
      Flag: true,
      Nothing: null,
      Weird: name('A B#/C'),
      Nested: [1, [2, dict({ X: new PdfRef(1, 0) })]],
      Bytes: new PdfString(Buffer.from([0, 1, 0x28, 0x29, 0x5c, 0x0d, 0xff]), false),
      Stream: new PdfIndirect(new PdfStream(dict({}), Buffer.from('hello'))),
    });
    const update = writeIncrementalUpdate(doc, [
      { ref: doc.catalogRef, value: catalog },
      { ref: info, value: values },
    ]);
    expect(update.parts[0]).toBe(input);
    const output = Buffer.concat(update.parts);
    const check = qpdfCheck(output);
    expect(check.ok, check.output).toBe(true);
    expect(qpdfXref(output)).toMatch(new RegExp(`${infoNum}/0: uncompressed`));
    const reread = PdfDocument.open(output);
    expect(reread.catalog.name('PageMode')).toBe('UseOutlines');
    const back = reread.getObject(info) as PdfDict;
    expect((back.get('Title') as PdfString).text()).toBe('抵当権設定契約書');
    expect((back.get('Producer') as PdfString).text()).toBe('Jitsuin (test) \\ ok');
    expect(back.get('Real')).toBe(0.000001);
    expect(back.get('Neg')).toBe(-12.5);
    expect(back.get('Flag')).toBe(true);
    expect(back.get('Nothing')).toBe(null);
    expect(back.name('Weird')).toBe('A B#/C');
    expect(back.get('Nested')).toEqual([1, [2, dict({ X: new PdfRef(1, 0) })]]);
    expect([...(back.get('Bytes') as PdfString).bytes]).toEqual([0, 1, 0x28, 0x29, 0x5c, 0x0d, 0xff]);
    const stream = reread.getObject(back.get('Stream') as PdfRef) as PdfStream;
    expect(stream.data.toString()).toBe('hello');
    expect(reread.revisions).toEqual([...doc.revisions, output.length]);
  });

  it('refuses a new object that skips numbers', () => {
    const doc = PdfDocument.open(pdfOf('classic'));
    expect(() => writeIncrementalUpdate(doc, [{ ref: new PdfRef(doc.nextObjectNumber + 5, 0), value: 1 }])).toThrow(
      /must be numbered/,
    );
  });

  it('writes the parts to a file without joining them', async () => {
    const doc = PdfDocument.open(pdfOf('classic', 100_000));
    const prepared = prepareSignature(doc, { fieldName: 'S', contentsSize: 2048 });
    const parts = embedContents(prepared, fakeDer(1000));
    const { dir, cleanup } = workDir();
    try {
      await writeParts(join(dir, 'out.pdf'), parts);
      const written = readFileSync(join(dir, 'out.pdf'));
      expect(written.equals(Buffer.concat(parts))).toBe(true);
      expect(digestByteRange([written], prepared.byteRange)).toEqual(digestByteRange(parts, prepared.byteRange));
    } finally {
      cleanup();
    }
  });

  it('adds objects with IncrementalWriter.add and keeps a missing end-of-line apart', () => {
    const input = pdfOf('classic');
    const trimmed = input.subarray(0, input.length - 1); // no newline after %%EOF
    const doc = PdfDocument.open(trimmed);
    const writer = new IncrementalWriter(doc);
    const ref = writer.add(dict({ Note: PdfString.text('x') }));
    const output = Buffer.concat(writer.write().parts);
    expect(output.toString('latin1', trimmed.length, trimmed.length + 20)).toMatch(new RegExp(`^\n${ref.num} 0 obj\n<< /Note`));
    expect(qpdfCheck(output).ok).toBe(true);
  });
});
