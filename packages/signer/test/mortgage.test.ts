import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pkcs12Signer, type Signer } from '@jitsuin/pades';
import { PdfDict, PdfDocument } from '@jitsuin/pdf';
import { makePdf } from '@jitsuin/testkit';
import { completeSignature, extend, pendingFromJson, pendingToJson, prepareSignature, signWith } from '../src/index.js';
import { type PkiFixture, PYTHON, setupPki } from './helpers.js';
import { opensslVerify, pdfsig, pyhanko, pyhankoAvailable, type PyhankoReport, qpdfCheck } from './validators.js';

/**
 * The mortgage package, checked by validators nobody here wrote:
 *   the lender certifies (DocMDP P=2) with its seal, laying out the parties' empty fields;
 *   borrower, co-borrower and guarantor sign with their cards (card flow, B-T);
 *   the bank's final seal locks the document (its field's /Lock, P=1);
 *   the package is extended to B-LTA (DSS, then a document timestamp).
 */

const box = (x: number, y: number) => ({ x, y, width: 240, height: 72 });
const PARTIES = [
  { field: 'Borrower', person: 'yamada-taro', role: '借主（主債務者）', rect: box(40, 560) },
  { field: 'CoBorrower', person: 'yamada-hanako', role: '連帯債務者', rect: box(310, 560) },
  { field: 'Guarantor', person: 'suzuki-ichiro', role: '連帯保証人', rect: box(40, 460) },
] as const;

let f: PkiFixture;
let lender: Signer;
let certified: Buffer;
let sealed: Buffer;
let lta: Buffer;

beforeAll(async () => {
  f = await setupPki('jitsuin-mortgage-');
  const { p12, password } = await f.sealP12('lender');
  lender = await Pkcs12Signer.open(p12, password);

  // 1. The lender certifies, with the parties' fields and its own final seal field (which locks).
  const template = makePdf(48 * 1024, 'Kinsen shohi taishaku keiyakusho (mortgage loan agreement)');
  certified = Buffer.concat(
    (
      await signWith(template, lender, {
        placement: { fieldName: 'LenderCertification', page: 1, rect: box(310, 700), roleLabel: '貸主（金融機関）' },
        level: 'B-T',
        tsaUrl: f.tsaUrl,
        certify: 2,
        reason: '金銭消費貸借契約書の作成',
        addFields: [
          ...PARTIES.map((p) => ({ fieldName: p.field, page: 1, rect: p.rect })),
          { fieldName: 'BankSeal', page: 1, rect: box(310, 460), lock: true },
        ],
      })
    ).parts,
  );

  // 2. Each party signs with a card, through the two-step flow a signing service runs.
  let current = certified;
  for (const party of PARTIES) {
    const card = await f.card(party.person);
    const pending = await prepareSignature(current, {
      placement: { fieldName: party.field, roleLabel: party.role },
      level: 'B-T',
      tsaUrl: f.tsaUrl,
      signerCertificate: card.certificate,
      chain: card.chain,
    });
    const stored = pendingFromJson(JSON.parse(JSON.stringify(pendingToJson(pending))));
    const signatureValue = await card.card.sign(stored.digestInfo, card.password);
    current = Buffer.concat((await completeSignature(current, stored, signatureValue, card.certificate, { tsaUrl: f.tsaUrl })).parts);
  }

  // 3. The bank's final seal: its field carries the lock (P=1).
  sealed = Buffer.concat((await signWith(current, lender, { placement: { fieldName: 'BankSeal', roleLabel: '金融機関　確認印' }, level: 'B-T', tsaUrl: f.tsaUrl })).parts);

  // 4. Long-term: DSS for every signer and TSA chain, then a document timestamp.
  lta = Buffer.concat((await extend(sealed, 'B-LTA', { tsaUrl: f.tsaUrl })).parts);
}, 300_000);

afterAll(async () => {
  await f?.close();
});

const SIGNATURES = ['LenderCertification', 'Borrower', 'CoBorrower', 'Guarantor', 'BankSeal'];

describe('pdfsig (poppler)', () => {
  it('sealed package: every signature valid, the last covering the whole document', async () => {
    const r = await pdfsig(await f.file('sealed.pdf', sealed));
    expect(r.signatures.map((s) => s.field), r.out).toEqual(SIGNATURES);
    for (const s of r.signatures) {
      expect(s.valid, s.text).toBe(true);
      expect(s.type).toBe('ETSI.CAdES.detached');
    }
    expect(r.signatures.at(-1)!.total, r.out).toBe(true);
    expect(r.signatures.slice(0, -1).every((s) => !s.total)).toBe(true);
  });

  it('B-LTA package: every CAdES signature still valid; the document timestamp covers the whole document', async () => {
    const r = await pdfsig(await f.file('lta.pdf', lta));
    expect(r.signatures.map((s) => s.field), r.out).toEqual([...SIGNATURES, 'DocumentTimestamp6']);
    for (const s of r.signatures.slice(0, -1)) expect(s.valid, s.text).toBe(true);
    // poppler 22.12 finds an ETSI.RFC3161 document timestamp but cannot verify that type
    // ("Unimplemented Feature: Unable to validate this type of signature"): it is checked by
    // pyHanko and openssl ts below.
    const last = r.signatures.at(-1)!;
    expect(last.total, r.out).toBe(true);
  });

  it('the document timestamp is an invisible field without an appearance stream (which pyHanko would take for a change to a locked field)', () => {
    const doc = PdfDocument.open(lta);
    const ts = doc.signatureFields().at(-1)!;
    expect(ts).toMatchObject({ name: 'DocumentTimestamp6', signature: { type: 'DocTimeStamp', subFilter: 'ETSI.RFC3161' }, widgets: [{ rect: [0, 0, 0, 0] }] });
    expect((doc.getObject(ts.ref!) as PdfDict).has('AP')).toBe(false);
  });
});

describe('qpdf --check', () => {
  it('finds no errors in any revision of the package', async () => {
    for (const [name, pdf] of [['certified', certified], ['sealed', sealed], ['lta', lta]] as const) {
      const r = await qpdfCheck(await f.file(`qpdf-${name}.pdf`, pdf));
      expect(r.ok, `${name}: ${r.out}`).toBe(true);
    }
  });
});

describe('openssl', () => {
  it('cms -verify accepts every CMS with its ByteRange content; ts -verify every document timestamp', async () => {
    const results = await opensslVerify(await f.file('openssl-lta.pdf', lta), f.path(f.manifest.trust.all));
    expect(results.map((r) => [r.field, r.type])).toEqual([...SIGNATURES.map((s) => [s, 'Sig']), ['DocumentTimestamp6', 'DocTimeStamp']]);
    for (const r of results) {
      expect(r.code, `${r.field}: ${r.out}`).toBe(0);
      expect(r.out).toMatch(r.type === 'Sig' ? /Verification successful/ : /Verification: OK/);
    }
  });
});

describe(`pyHanko (${PYTHON})`, () => {
  let sealedReport: PyhankoReport;
  let ltaReport: PyhankoReport;
  beforeAll(async () => {
    if (!pyhankoAvailable()) throw new Error(`pyHanko is not installed at ${PYTHON}: run ./jitsuin test (it makes the venv), or the ensure_python_tools step of ./jitsuin`);
    const roots = f.path(f.manifest.trust.all);
    [sealedReport, ltaReport] = await Promise.all([pyhanko(await f.file('py-sealed.pdf', sealed), roots), pyhanko(await f.file('py-lta.pdf', lta), roots)]);
  }, 600_000);

  it('sealed package: every signature intact, valid and trusted against the test roots, at B-T', () => {
    expect(sealedReport.dss).toBeNull();
    expect(sealedReport.signatures.map((s) => s.field)).toEqual(SIGNATURES);
    for (const s of sealedReport.signatures) {
      expect(s.error, JSON.stringify(s, null, 2)).toBeUndefined();
      expect(s.status, s.field).toMatchObject({ intact: true, valid: true, trusted: true, bottom_line: true, timestamp: { intact: true, valid: true, trusted: true } });
      expect(s.level, JSON.stringify(s, null, 2)).toBe('B-T');
    }
    const [cert, ...rest] = sealedReport.signatures;
    expect(cert!.docmdp).toBe('FILL_FORMS');
    expect(cert!.status!.modification_level).toBe('FORM_FILLING');
    expect(cert!.status!.docmdp_ok).toBe(true);
    const seal = rest.at(-1)!;
    expect(seal.docmdp).toBe('NO_CHANGES');
    expect(seal.fieldmdp).toMatch(/ALL/);
    expect(seal.status!.coverage).toBe('ENTIRE_FILE');
  });

  it('B-LTA package: every signature reaches B-LTA (validated from the DSS alone, AdES LTA passed), the lock holds', () => {
    expect(ltaReport.dss).not.toBeNull();
    expect(ltaReport.dss!.ocsps + ltaReport.dss!.crls).toBeGreaterThan(0);
    expect(ltaReport.signatures.map((s) => s.field)).toEqual([...SIGNATURES, 'DocumentTimestamp6']);
    for (const s of ltaReport.signatures.slice(0, -1)) {
      expect(s.error, JSON.stringify(s, null, 2)).toBeUndefined();
      expect(s.status, s.field).toMatchObject({ intact: true, valid: true, trusted: true, bottom_line: true });
      expect(s.from_dss?.bottom_line, JSON.stringify(s, null, 2)).toBe(true);
      expect(s.ades_lta, JSON.stringify(s, null, 2)).toMatchObject({ indication: 'PASSED', subindication: 'OK' });
      expect(s.level, JSON.stringify(s, null, 2)).toBe('B-LTA');
    }
    // After the lock only LTA updates (DSS, document timestamp) follow the bank's seal.
    expect(ltaReport.signatures[4]!.status!.modification_level).toBe('LTA_UPDATES');
    const ts = ltaReport.signatures.at(-1)!;
    expect(ts.type).toBe('DocTimeStamp');
    expect(ts.status).toMatchObject({ intact: true, valid: true, trusted: true, coverage: 'ENTIRE_FILE' });
    expect(ts.from_dss?.trusted).toBe(true);
  });
});
