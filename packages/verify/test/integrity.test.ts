import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JitsuinError } from '@jitsuin/errors';
import { type Signer } from '@jitsuin/pades';
import { completeSignature, extend, prepareSignature, signWith } from '@jitsuin/signer';
import { makePdf } from '@jitsuin/testkit';
import { checkByteRange, type SignatureReport, verifyPdfIntegrity, VerifyInputError } from '../src/index.js';
import { PdfString } from '@jitsuin/pdf';
import { alterCmsPart, flipSignedByte, paddedCms, replaceSignatureDictionary, type Pki, replaceContents, rewriteByteRange, secondSignerInfo, setupPki, signatureOf } from './helpers.js';

const box = (x: number, y: number) => ({ x, y, width: 240, height: 72 });

let pki: Pki;
let lender: Signer;
/** One card signature (B-B, card flow through signWith). */
let cardSigned: Buffer;
/** Lender certification with the parties' fields, two card signatures (two-step flow), the bank seal; all B-T. */
let mortgage: Buffer;

beforeAll(async () => {
  pki = await setupPki();
  lender = await pki.seal('lender');
  const taro = await pki.card('yamada-taro');
  cardSigned = Buffer.concat((await signWith(makePdf(8 * 1024, 'Jitsuin card contract'), taro, { placement: { fieldName: 'Borrower' }, level: 'B-B' })).parts);

  let current = Buffer.concat(
    (
      await signWith(makePdf(32 * 1024, 'Jitsuin mortgage loan agreement'), lender, {
        placement: { fieldName: 'LenderCertification', page: 1, rect: box(310, 700) },
        level: 'B-T',
        tsaUrl: pki.tsaUrl,
        certify: 2,
        addFields: [
          { fieldName: 'Borrower', page: 1, rect: box(40, 560) },
          { fieldName: 'CoBorrower', page: 1, rect: box(310, 560) },
          { fieldName: 'BankSeal', page: 1, rect: box(310, 460), lock: true },
        ],
      })
    ).parts,
  );
  for (const [fieldName, person] of [['Borrower', 'yamada-taro'], ['CoBorrower', 'yamada-hanako']] as const) {
    const card = await pki.card(person);
    const pending = await prepareSignature(current, { placement: { fieldName }, level: 'B-T', tsaUrl: pki.tsaUrl, signerCertificate: card.certificate, chain: card.chain });
    const value = await card.card.sign(pending.digestInfo, card.password);
    current = Buffer.concat((await completeSignature(current, pending, value, card.certificate, { tsaUrl: pki.tsaUrl })).parts);
  }
  mortgage = Buffer.concat((await signWith(current, lender, { placement: { fieldName: 'BankSeal' }, level: 'B-T', tsaUrl: pki.tsaUrl })).parts);
}, 300_000);

afterAll(async () => {
  await pki?.close();
});

const sig = (pdf: Buffer, field: string): SignatureReport => {
  const s = verifyPdfIntegrity(pdf).signatures.find((x) => x.field === field);
  if (!s) throw new Error(`no report for ${field}`);
  return s;
};

describe('genuine signatures', () => {
  it('a card-signed PDF: digest and signature good, whole file, INDETERMINATE until chain and revocation are checked', () => {
    const report = verifyPdfIntegrity(cardSigned);
    expect(report.document).toEqual({ indication: 'INDETERMINATE', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND', signatureCount: 1 });
    const s = report.signatures[0]!;
    expect(s).toMatchObject({
      field: 'Borrower',
      subFilter: 'ETSI.CAdES.detached',
      level: 'B-B',
      indication: 'INDETERMINATE',
      integrity: { byteRange: 'VALID', coverage: 'ENTIRE_FILE', digestMatches: true, signatureValid: true },
      revocation: { status: 'NOT_CHECKED' },
    });
    expect(s.signer?.subject).toBeTruthy();
    expect(s.messages.join('\n')).toMatch(/chain, revocation .* not checked/);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('the multi-signature mortgage PDF: every signature good, each covering its own revision, the last the whole file', () => {
    const report = verifyPdfIntegrity(mortgage);
    expect(report.document.signatureCount).toBe(4);
    expect(report.document.indication).toBe('INDETERMINATE');
    const byField = Object.fromEntries(report.signatures.map((s) => [s.field, s]));
    for (const field of ['LenderCertification', 'Borrower', 'CoBorrower', 'BankSeal']) {
      const s = byField[field]!;
      expect(s.integrity, field).toEqual({ byteRange: 'VALID', coverage: field === 'BankSeal' ? 'ENTIRE_FILE' : 'ENTIRE_REVISION', digestMatches: true, signatureValid: true });
      expect(s.level, field).toBe('B-T');
      expect(s.time.timestamp, field).not.toBeNull();
      expect(s.subIndication, field).toBe('NO_CERTIFICATE_CHAIN_FOUND');
    }
  });

  it('the mortgage PDF extended to B-LTA: the document timestamp matches and covers the whole file', async () => {
    const lta = Buffer.concat((await extend(mortgage, 'B-LTA', { tsaUrl: pki.tsaUrl })).parts);
    const report = verifyPdfIntegrity(lta);
    expect(report.document).toMatchObject({ indication: 'INDETERMINATE', signatureCount: 5 });
    const ts = report.signatures.find((s) => s.subFilter === 'ETSI.RFC3161')!;
    expect(ts.integrity).toEqual({ byteRange: 'VALID', coverage: 'ENTIRE_FILE', digestMatches: true, signatureValid: true });
    expect(ts.time.timestamp).not.toBeNull();
    expect(report.signatures.find((s) => s.field === 'BankSeal')!.integrity.coverage).toBe('ENTIRE_REVISION');
    const tampered = verifyPdfIntegrity(flipSignedByte(lta, ts.field)).signatures.find((s) => s.field === ts.field)!;
    expect(tampered).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE' });
  }, 120_000);

  it('an unsigned PDF: NO_SIGNATURE_FOUND', () => {
    expect(verifyPdfIntegrity(makePdf()).document).toEqual({ indication: 'NO_SIGNATURE_FOUND', subIndication: null, signatureCount: 0 });
  });

  it('unusable input: a typed INVALID_ARGUMENT error', () => {
    for (const input of [Buffer.alloc(0), Buffer.from('not a pdf at all'), makePdf().subarray(0, 500)]) {
      let err: unknown;
      try {
        verifyPdfIntegrity(input);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(VerifyInputError);
      expect((err as JitsuinError).kind).toBe('INVALID_ARGUMENT');
    }
    expect(() => verifyPdfIntegrity(cardSigned, { maxBytes: 100 })).toThrow(VerifyInputError);
  });
});

describe('attacks', () => {
  it('a byte flipped inside the signed range: HASH_FAILURE', () => {
    const s = sig(flipSignedByte(cardSigned, 'Borrower'), 'Borrower');
    expect(s).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE', integrity: { digestMatches: false, signatureValid: true, coverage: 'ENTIRE_FILE' } });
  });

  it('a byte flipped in an earlier revision fails that signature and every later one', () => {
    const report = verifyPdfIntegrity(flipSignedByte(mortgage, 'LenderCertification'));
    expect(report.document).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE' });
    expect(report.signatures.every((s) => s.subIndication === 'HASH_FAILURE')).toBe(true);
  });

  it('a ByteRange moved to leave bytes out: coverage PARTIAL, FORMAT_FAILURE', () => {
    const s = sig(rewriteByteRange(cardSigned, 'Borrower', ([z, a, b, c]) => [z!, a!, b!, c! - 40]), 'Borrower');
    expect(s).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE', integrity: { coverage: 'PARTIAL' } });
  });

  it('a ByteRange whose gap is not the /Contents: FORMAT_FAILURE, byteRange INVALID', () => {
    const s = sig(rewriteByteRange(cardSigned, 'Borrower', ([z, a, b, c]) => [z!, a! + 2, b!, c!]), 'Borrower');
    expect(s).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE', integrity: { byteRange: 'INVALID', coverage: 'UNCLEAR' } });
  });

  it('a ByteRange past the end of the file or not starting at 0: FORMAT_FAILURE', () => {
    for (const next of [([z, a, b, c]: number[]) => [z!, a!, b!, c! + 1000], ([, a, b, c]: number[]) => [1, a!, b!, c!]]) {
      const s = sig(rewriteByteRange(cardSigned, 'Borrower', next), 'Borrower');
      expect(s).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE', integrity: { byteRange: 'INVALID' } });
    }
  });

  it('overlapping ranges: a later signature whose gap straddles an earlier one: FORMAT_FAILURE', () => {
    // Borrower's ranges rewritten to end inside CoBorrower's gap (overlapping its ranges).
    const co = signatureOf(mortgage, 'CoBorrower');
    const attacked = rewriteByteRange(mortgage, 'Borrower', ([z, a, b]) => [z!, a!, b!, co.a + 10 - b!]);
    const s = sig(attacked, 'Borrower');
    expect(s.indication).toBe('TOTAL_FAILED');
    expect(s.subIndication).toBe('FORMAT_FAILURE');
    expect(s.messages.join('\n')).toMatch(/overlaps the ranges of signature CoBorrower/);
    expect(s.integrity.byteRange).toBe('INVALID');
    expect(sig(attacked, 'CoBorrower')).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE', integrity: { byteRange: 'INVALID' } });
  });

  it('the signature dictionary written again in a later update: the gap is no longer its /Contents, FORMAT_FAILURE', () => {
    const s = sig(replaceSignatureDictionary(cardSigned, 'Borrower'), 'Borrower');
    expect(s).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE', integrity: { byteRange: 'INVALID' } });
    expect(s.messages.join('\n')).toMatch(/not inside the signature dictionary/);
  });

  it('a CMS whose signature value is altered: SIG_CRYPTO_FAILURE', () => {
    const s = sig(alterCmsPart(cardSigned, 'Borrower', (cms) => cms.signatureValue), 'Borrower');
    expect(s).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'SIG_CRYPTO_FAILURE', integrity: { digestMatches: true, signatureValid: false } });
  });

  it('a CMS with a wrong message-digest: HASH_FAILURE', () => {
    const s = sig(alterCmsPart(cardSigned, 'Borrower', (cms) => cms.messageDigest!), 'Borrower');
    expect(s).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE', integrity: { digestMatches: false, signatureValid: false } });
  });

  it('a CMS with a second SignerInfo: FORMAT_FAILURE', () => {
    const s = sig(secondSignerInfo(cardSigned, 'Borrower'), 'Borrower');
    expect(s).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE', integrity: { digestMatches: true, signatureValid: false } });
    expect(s.messages.join('\n')).toMatch(/2 SignerInfos/);
  });

  it('non-zero padding after the DER: FORMAT_FAILURE (and the same CMS zero-padded stays good)', () => {
    const control = sig(paddedCms(cardSigned, 'Borrower', '0'), 'Borrower');
    expect(control).toMatchObject({ indication: 'INDETERMINATE', integrity: { digestMatches: true, signatureValid: true } });
    const s = sig(paddedCms(cardSigned, 'Borrower', '1'), 'Borrower');
    expect(s).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE', integrity: { signatureValid: false } });
    expect(s.messages.join('\n')).toMatch(/zero padding/);
  });

  it('a forged signing-certificate-v2 (its hash altered): signature not valid', () => {
    const s = sig(alterCmsPart(cardSigned, 'Borrower', (cms) => cms.signingCertificateV2!.certIds[0]!.certHash), 'Borrower');
    expect(s.indication).toBe('TOTAL_FAILED');
    expect(s.integrity.signatureValid).toBe(false);
  });

  it('a /Contents that is not hexadecimal: FORMAT_FAILURE for that signature, the others still checked', () => {
    const { a, b } = signatureOf(mortgage, 'BankSeal');
    // A 'z' in the zero padding, well after the DER.
    const bad = Buffer.from(mortgage);
    bad.write('zz', b - 4, 'latin1');
    expect(mortgage.toString('latin1', b - 4, b - 2)).toBe('00');
    expect(b - a).toBeGreaterThan(1024);
    const report = verifyPdfIntegrity(bad);
    const seal = report.signatures.find((s) => s.field === 'BankSeal')!;
    expect(seal).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE' });
    expect(seal.messages.join('\n')).toMatch(/invalid 'z' in hex string/);
    expect(report.signatures.filter((s) => s.field !== 'BankSeal').every((s) => s.integrity.digestMatches && s.integrity.signatureValid)).toBe(true);
  });

  it('a /Contents of zeros only: INDETERMINATE SIGNED_DATA_NOT_FOUND', () => {
    const s = sig(replaceContents(cardSigned, 'Borrower', Buffer.alloc(0)), 'Borrower');
    expect(s).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'SIGNED_DATA_NOT_FOUND' });
  });
});

describe('checkByteRange: the gap is exactly the /Contents hex string', () => {
  const der = Buffer.from('3082000a0201010403abcdef', 'hex');
  const file = (gapHex: string) => {
    const head = Buffer.from('%PDF-1.7 head ');
    const gap = Buffer.from(`<${gapHex}>`, 'latin1');
    const bytes = Buffer.concat([head, gap, Buffer.from(' tail %%EOF\n')]);
    return { bytes, range: [0, head.length, head.length + gap.length, bytes.length - head.length - gap.length] };
  };
  const hex = der.toString('hex') + '0'.repeat(40);
  const contents = new PdfString(Buffer.from(hex, 'hex'), true);

  it('accepts plain hex of either case equal to the /Contents', () => {
    for (const h of [hex, hex.toUpperCase()]) {
      const { bytes, range } = file(h);
      expect(checkByteRange(bytes, range, contents, 'S')).toEqual({ a: range[1], b: range[2], c: range[3], end: bytes.length });
    }
  });

  it('refuses other bytes in the gap, an odd digit count, or other bytes than the /Contents', () => {
    const notHex = /holds bytes other than hexadecimal digits/;
    const moved = /is not the signature's \/Contents/;
    const cases: [string, RegExp][] = [
      [`${hex.slice(0, 10)}zz${hex.slice(12)}`, notHex],
      [`${hex.slice(0, 11)} ${hex.slice(12)}`, notHex],
      [`${hex}z`, notHex],
      [`${hex}0`, moved],
      [`${hex.slice(0, -2)}01`, moved],
    ];
    for (const [gap, message] of cases) {
      const { bytes, range } = file(gap);
      expect(() => checkByteRange(bytes, range, contents, 'S')).toThrow(message);
    }
  });
});
