import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JitsuinError } from '@jitsuin/errors';
import { PadesError, parseSignedData, Pkcs12Signer, type Signer } from '@jitsuin/pades';
import { PdfDict, PdfDocument, PdfRef, PdfStream } from '@jitsuin/pdf';
import { makePdf, malformedCorpus, readCorpusFile } from '@jitsuin/testkit';
import {
  appearanceLines,
  completeSignature,
  extend,
  japaneseDateTime,
  type PendingSignature,
  pendingFromJson,
  pendingToJson,
  prepareSignature,
  type PrepareRequest,
  SignerError,
  signerDisplayName,
  signWith,
} from '../src/index.js';
import { type PkiFixture, run, setupPki } from './helpers.js';

/** The card flow step by step, the one-shot signer, and every bad input refused before anything is written. */

let f: PkiFixture;
let seal: Signer;
let taro: Awaited<ReturnType<PkiFixture['card']>>;
let hanako: Awaited<ReturnType<PkiFixture['card']>>;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  f = await setupPki();
  const { p12, password } = await f.sealP12();
  seal = await Pkcs12Signer.open(p12, password);
  taro = await f.card('yamada-taro');
  hanako = await f.card('yamada-hanako');
}, 180_000);
afterAll(async () => {
  await f?.close();
});

const cardRequest = (card: Signer, extra: Partial<PrepareRequest> = {}): PrepareRequest => ({
  placement: { page: 1, rect: { x: 50, y: 600, width: 240, height: 72 }, roleLabel: '借主' },
  level: 'B-B',
  signerCertificate: card.certificate,
  chain: card.chain,
  ...extra,
});

async function caught<T extends Error>(p: Promise<unknown>, cls: new (...a: never[]) => T): Promise<T> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(cls);
    return err as T;
  }
  throw new Error(`expected a ${cls.name}`);
}

async function signerErrorOf(p: Promise<unknown>): Promise<SignerError> {
  return caught(p, SignerError);
}

describe('appearance text', () => {
  it('names a JPKI signer by the basic-4 name, a seal by its CN, and dates in JST', () => {
    expect(signerDisplayName(taro.certificate)).toBe('山田　太郎');
    expect(signerDisplayName(seal.certificate)).toBe('架空銀行株式会社 電子契約印');
    expect(japaneseDateTime(new Date('2025-03-31T15:30:00Z'))).toBe('2025年4月1日 00:30 JST');
    expect(appearanceLines({ name: '山田　太郎', roleLabel: '借主', signingTime: new Date('2025-01-02T03:04:05Z') })).toEqual([
      '署名者　山田　太郎',
      '借主',
      '署名日時　2025年1月2日 12:04 JST',
    ]);
  });
});

describe('card flow: prepare, sign elsewhere, complete', () => {
  it('returns plain data, survives JSON, and completes into a valid B-B signature without copying the PDF', async () => {
    const pdf = makePdf(64 * 1024);
    const before = sha(pdf);
    const pending = await prepareSignature(pdf, cardRequest(taro, { signingTime: new Date('2026-01-05T01:00:00Z') }));
    expect(pending.fieldName).toBe('Signature1');
    expect(pending.baseSize).toBe(pdf.length);
    expect(pending.baseSha256).toBe(before);
    expect(pending.digest).toEqual(createHash('sha256').update(pending.signedAttributes).digest());
    expect(pending.digestInfo.subarray(-32)).toEqual(pending.digest);
    expect(pending.byteRange[1]).toBe(pending.contentsOffset);
    expect(pending.byteRange[2]).toBe(pending.contentsOffset + 2 * pending.contentsSize + 2);

    // What a signing service stores and reads back.
    const stored: PendingSignature = pendingFromJson(JSON.parse(JSON.stringify(pendingToJson(pending))));
    expect(stored).toEqual(pending);

    const signatureValue = await taro.sign(stored.digestInfo);
    const { parts } = await completeSignature(pdf, stored, signatureValue, taro.certificate);
    expect(parts).toHaveLength(2);
    expect(parts[0]).toBe(pdf); // the original is the same Buffer: never copied, never changed
    expect(sha(pdf)).toBe(before);

    const output = Buffer.concat(parts);
    const file = await f.file('card-bb.pdf', output);
    const sig = await run('pdfsig', [file]);
    expect(sig.out).toContain('Signature is Valid');
    expect(sig.out).toContain('Total document signed');
    expect(sig.out).toContain('ETSI.CAdES.detached');

    // The visible widget carries the Japanese appearance, in an embedded CJK subset.
    const doc = PdfDocument.open(output);
    const field = doc.signatureFields()[0]!;
    expect(field).toMatchObject({ name: 'Signature1', signed: true, widgets: [{ page: 1, rect: [50, 600, 290, 672] }] });
    const widget = doc.getObject(field.ref!) as PdfDict;
    const ap = doc.getObject((widget.get('AP') as PdfDict).get('N') as PdfRef) as PdfStream;
    const fonts = doc.resolveDict(doc.resolveDict(ap.dict.get('Resources'), 'res')!.get('Font'), 'fonts')!;
    expect(doc.resolveDict(fonts.get('F1'), 'F1')!.name('BaseFont')).toMatch(/^[A-Z]{6}\+IPAGothic$/);
    const sigDict = doc.getObject(field.signature!.ref!) as PdfDict;
    expect(sigDict.get('M')).toBeDefined();
  });

  it('B-T: the placeholder sized by estimateSignatureSize holds the CMS with its timestamp', async () => {
    const pdf = makePdf(8 * 1024);
    const pending = await prepareSignature(pdf, cardRequest(hanako, { level: 'B-T', tsaUrl: f.tsaUrl, placement: { fieldName: 'CoBorrower' } }));
    const { parts } = await completeSignature(pdf, pending, await hanako.sign(pending.digestInfo), hanako.certificate, { tsaUrl: f.tsaUrl });
    const doc = PdfDocument.open(Buffer.concat(parts));
    const sig = doc.getObject(doc.signatureFields()[0]!.signature!.ref!) as PdfDict;
    const contents = (sig.get('Contents') as { bytes: Buffer }).bytes;
    const cms = parseSignedData(contents);
    expect(cms.signerInfo.signatureTimestampTokens).toHaveLength(1);
    expect(contents.length).toBe(pending.contentsSize);
  });

  it('B-LT from the card flow: complete adds the signature timestamp, then the DSS, as parts after the untouched original', async () => {
    const pdf = makePdf(8 * 1024);
    const pending = await prepareSignature(pdf, cardRequest(taro, { level: 'B-LT', tsaUrl: f.tsaUrl }));
    const value = await taro.sign(pending.digestInfo);
    const { parts } = await completeSignature(pdf, pending, value, taro.certificate, { tsaUrl: f.tsaUrl, baseVerified: true });
    expect(parts).toHaveLength(3);
    expect(parts[0]).toBe(pdf);
    const doc = PdfDocument.open(Buffer.concat(parts));
    expect(doc.catalog.get('DSS')).toBeDefined();
    const sig = await run('pdfsig', [await f.file('card-blt.pdf', Buffer.concat(parts))]);
    expect(sig.out).toContain('Signature is Valid');
  });

  it('signs with a seal in one call, and extends to B-LT with a DSS for the signer and the TSA', async () => {
    const pdf = makePdf(4096);
    const signed = await signWith(pdf, seal, { placement: {}, level: 'B-T', tsaUrl: f.tsaUrl });
    const result = await extend(Buffer.concat(signed.parts), 'B-LT', {});
    expect(result.parts).toHaveLength(2);
    expect(result.revocation.filter((s) => s.status === 'good').length).toBeGreaterThanOrEqual(2);
    expect(result.revocation.some((s) => /Time-Stamping/.test(s.subject))).toBe(true);
    const doc = PdfDocument.open(Buffer.concat(result.parts));
    const dss = doc.resolveDict(doc.catalog.get('DSS'), 'DSS')!;
    expect(doc.resolveArray(dss.get('Certs'), 'Certs')!.length).toBeGreaterThanOrEqual(3);
    expect(doc.resolveArray(dss.get('OCSPs'), 'OCSPs')!.length).toBeGreaterThanOrEqual(2);
    expect(doc.resolveArray(dss.get('CRLs'), 'CRLs')!.length).toBeGreaterThanOrEqual(1);
  });
});

describe('many signatures', () => {
  it('extends a document of 20 B-T signatures to B-LT and B-LTA (80 certificates given, a few distinct)', async () => {
    let pdf = makePdf(4096);
    const signers = [taro, hanako, seal];
    for (let i = 1; i <= 20; i++) {
      pdf = Buffer.concat((await signWith(pdf, signers[i % signers.length]!, { placement: { fieldName: `Signer${i}` }, level: 'B-T', tsaUrl: f.tsaUrl })).parts);
    }
    const distinct = new Set(signers.flatMap((s) => [s.certificate, ...s.chain]).map((c) => Buffer.from(c).toString('hex')));
    for (const level of ['B-LT', 'B-LTA'] as const) {
      const result = await extend(pdf, level, level === 'B-LTA' ? { tsaUrl: f.tsaUrl } : {});
      const doc = PdfDocument.open(Buffer.concat(result.parts));
      const dss = doc.resolveDict(doc.catalog.get('DSS'), 'DSS')!;
      const certs = doc.resolveArray(dss.get('Certs'), 'Certs')!.map((r) => doc.decodeStream(doc.resolve(r) as PdfStream).toString('hex'));
      expect(new Set(certs).size).toBe(certs.length);
      expect(certs.filter((c) => distinct.has(c))).toHaveLength(distinct.size);
      expect(doc.signatureFields().filter((s) => s.signed)).toHaveLength(level === 'B-LTA' ? 21 : 20);
    }
  }, 120_000);
});

describe('bad input: a specific typed error, nothing written', () => {
  let pdf: Buffer;
  let before: string;
  let pending: PendingSignature;
  beforeAll(async () => {
    pdf = makePdf(16 * 1024);
    before = sha(pdf);
    pending = await prepareSignature(pdf, cardRequest(taro));
  });

  it('an encrypted PDF', async () => {
    const plain = await f.file('plain.pdf', makePdf(4096));
    const encrypted = join(f.root, 'encrypted.pdf');
    const r = await run('qpdf', ['--encrypt', 'user', 'owner', '256', '--', plain, encrypted]);
    expect(r.code, r.out).toBe(0);
    const err = await signerErrorOf(prepareSignature(readFileSync(encrypted), cardRequest(taro)));
    expect(err).toMatchObject({ kind: 'FAILED_PRECONDITION', code: 'PDF_ENCRYPTED' });
    expect(err.message).toMatch(/encrypted/);
    expect((await signerErrorOf(signWith(readFileSync(encrypted), seal, { placement: {}, level: 'B-B' }))).code).toBe('PDF_ENCRYPTED');
  });

  it('a PDF whose xref cannot be read', async () => {
    const good = makePdf(4096);
    const text = good.toString('latin1');
    const broken = Buffer.from(text.replace(/startxref\s+\d+/, 'startxref\n123'), 'latin1');
    const err = await signerErrorOf(prepareSignature(broken, cardRequest(taro)));
    expect(err).toMatchObject({ kind: 'INVALID_ARGUMENT', code: 'PDF_UNREADABLE' });
    const notPdf = await signerErrorOf(prepareSignature(Buffer.from('hello, this is not a PDF'), cardRequest(taro)));
    expect(notPdf.code).toBe('PDF_UNREADABLE');
  });

  it('a signature value of the wrong length', async () => {
    const value = await taro.sign(pending.digestInfo);
    const err = await caught(completeSignature(pdf, pending, value.subarray(1), taro.certificate), PadesError);
    expect(err).toMatchObject({ kind: 'INVALID_ARGUMENT', code: 'SIGNATURE_LENGTH' });
    expect(sha(pdf)).toBe(before);
  });

  it('a signature that does not verify (another card, or other data)', async () => {
    const other = await hanako.sign(pending.digestInfo);
    const err = await caught(completeSignature(pdf, pending, other, taro.certificate), PadesError);
    expect(err).toMatchObject({ kind: 'INVALID_ARGUMENT', code: 'SIGNATURE_MISMATCH' });
    const flipped = Buffer.from(await taro.sign(pending.digestInfo));
    flipped[10]! ^= 0x01;
    expect((await caught(completeSignature(pdf, pending, flipped, taro.certificate), PadesError)).code).toBe('SIGNATURE_MISMATCH');
  });

  it('a certificate that is not the prepared one', async () => {
    const value = await hanako.sign(pending.digestInfo);
    const err = await signerErrorOf(completeSignature(pdf, pending, value, hanako.certificate));
    expect(err).toMatchObject({ kind: 'INVALID_ARGUMENT', code: 'CERTIFICATE_MISMATCH' });
    expect(err.message).toContain('山田　太郎');
    expect(err.message).toContain('山田　花子');
  });

  it('another PDF than the one prepared on, and a damaged pending signature', async () => {
    const value = await taro.sign(pending.digestInfo);
    const other = Buffer.from(pdf);
    other[200]! ^= 0x20;
    expect(await signerErrorOf(completeSignature(other, pending, value, taro.certificate))).toMatchObject({ kind: 'FAILED_PRECONDITION', code: 'BASE_MISMATCH' });
    expect((await signerErrorOf(completeSignature(pdf.subarray(1), pending, value, taro.certificate))).code).toBe('BASE_MISMATCH');
    const appended = Buffer.from(pending.appended);
    appended[5]! ^= 0x01;
    expect((await signerErrorOf(completeSignature(pdf, { ...pending, appended }, value, taro.certificate))).code).toBe('PENDING_CORRUPT');
    expect((await signerErrorOf(completeSignature(pdf, { ...pending, contentsSize: 1 }, value, taro.certificate))).code).toBe('BAD_REQUEST');
    expect(sha(pdf)).toBe(before);
  });

  it('B-T without a TSA, and a TSA that does not answer', async () => {
    const bt = await prepareSignature(pdf, cardRequest(taro, { level: 'B-T' }));
    const value = await taro.sign(bt.digestInfo);
    expect(await signerErrorOf(completeSignature(pdf, bt, value, taro.certificate))).toMatchObject({ code: 'TSA_REQUIRED' });
    const down = await caught(completeSignature(pdf, bt, value, taro.certificate, { tsaUrl: 'http://127.0.0.1:9/tsa', timeoutMs: 5_000 }), PadesError);
    expect(down.kind).toBe('UNAVAILABLE');
    expect(down.code).toBe('HTTP_UNREACHABLE');
  });

  it('requests the document does not allow', async () => {
    const signed = Buffer.concat((await signWith(pdf, seal, { placement: { fieldName: 'Lender' }, level: 'B-B', lock: true })).parts);
    expect(await signerErrorOf(prepareSignature(signed, cardRequest(taro)))).toMatchObject({ kind: 'FAILED_PRECONDITION', code: 'NOT_ALLOWED' });
    const once = Buffer.concat((await signWith(pdf, seal, { placement: { fieldName: 'Lender' }, level: 'B-B' })).parts);
    expect((await signerErrorOf(signWith(once, seal, { placement: { fieldName: 'Lender' }, level: 'B-B' }))).code).toBe('NOT_ALLOWED');
    expect((await signerErrorOf(signWith(once, seal, { placement: {}, level: 'B-B', certify: 2 }))).code).toBe('NOT_ALLOWED');
    expect((await signerErrorOf(prepareSignature(pdf, cardRequest(taro, { level: 'B-X' as never })))).code).toBe('BAD_REQUEST');
    expect((await signerErrorOf(prepareSignature(pdf, cardRequest(taro, { placement: { rect: { x: 0, y: 0, width: -5, height: 10 } } })))).code).toBe('BAD_REQUEST');
    expect((await signerErrorOf(prepareSignature(pdf, cardRequest(taro, { placement: { page: 9, rect: { x: 0, y: 0, width: 50, height: 10 } } })))).kind).toBe('INVALID_ARGUMENT');
    expect((await signerErrorOf(extend(pdf, 'B-LT', {}))).code).toBe('NO_SIGNATURES');
    expect((await signerErrorOf(extend(once, 'B-LTA', {}))).code).toBe('TSA_REQUIRED');
  });
});

describe('the malformed corpus', () => {
  const files = malformedCorpus().map((f) => f.path);

  // Its presence is checked once, by packages/pdf's corpus test.
  it('every file is signed or refused with a typed error, each within 5 s', async () => {
    const slow: string[] = [];
    const untyped: string[] = [];
    for (const path of files) {
      const bytes = readCorpusFile(path);
      const started = performance.now();
      try {
        await prepareSignature(bytes, { placement: {}, level: 'B-B', signerCertificate: seal.certificate, chain: seal.chain });
      } catch (err) {
        if (!(err instanceof JitsuinError)) untyped.push(`${path}: ${String(err)}`);
      }
      if (performance.now() - started > 5_000) slow.push(path);
    }
    expect(untyped).toEqual([]);
    expect(slow).toEqual([]);
  }, 600_000);
});
