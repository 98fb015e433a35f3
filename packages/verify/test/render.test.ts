import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revocationMeaning, type RevocationMeaningCode, type RevocationReason } from '@jitsuin/jpki';
import { signWith } from '@jitsuin/signer';
import { makePdf } from '@jitsuin/testkit';
import { renderReportHtml, renderReportText, REPORT_STYLE_HASH, type SignatureReport, type VerificationReport, verifyPdf, type VerifyOptions } from '../src/index.js';
import { overlayXObject } from './modifications-attacks.js';
import { setupValidationPki, type ValidationPki } from './validation-helpers.js';

let pki: ValidationPki;
let opts: VerifyOptions;
const join = (r: { parts: Buffer[] }) => Buffer.concat(r.parts);
const pdf = (label: string) => makePdf(8 * 1024, `Jitsuin ${label}`);

let passed: VerificationReport;
let revoked: VerificationReport;
let modified: VerificationReport;
let unsigned: VerificationReport;
let tryLater: VerificationReport;
let sealed: VerificationReport;

beforeAll(async () => {
  pki = await setupValidationPki();
  opts = { trustAnchors: [await pki.trust('all')], allowJpkiTestHierarchy: true };
  const taro = await pki.card('yamada-taro');
  const bt = join(await signWith(pdf('loan'), taro, { placement: { fieldName: 'Borrower' }, level: 'B-T', tsaUrl: pki.tsaUrl }));
  passed = await verifyPdf(bt, opts);
  modified = await verifyPdf(overlayXObject(bt, '90,000,000 yen'), opts);
  unsigned = await verifyPdf(pdf('unsigned'), opts);
  tryLater = await verifyPdf(join(await signWith(pdf('offline'), taro, { placement: { fieldName: 'Borrower' }, level: 'B-B' })), { ...opts, offline: true });
  await pki.servers.controls.revoke('certificateHold', 'signing', 'certificateHold', new Date(Date.now() - 3_600_000));
  revoked = await verifyPdf(join(await signWith(pdf('revoked'), await pki.card('certificateHold'), { placement: { fieldName: 'Guarantor' }, level: 'B-T', tsaUrl: pki.tsaUrl })), opts);
  sealed = await verifyPdf(join(await signWith(pdf('seal'), await pki.seal('lender'), { placement: { fieldName: 'BankSeal' }, level: 'B-LTA', tsaUrl: pki.tsaUrl })), opts);
}, 300_000);

afterAll(async () => {
  await pki?.close();
});

const ja = (r: VerificationReport) => renderReportText(r, { lang: 'ja' });
const en = (r: VerificationReport) => renderReportText(r, { lang: 'en' });

describe('terminal text', () => {
  it('passed: the verdict, who signed (basic-4 name), when in JST and ISO, nothing changed, ALIVE', () => {
    expect(passed.document.indication).toBe('TOTAL_PASSED');
    const s = passed.signatures[0]!;
    const tsJst = jst(s.time.timestamp!);
    const j = ja(passed);
    expect(j).toContain('✓ 有効: この文書の署名（1件）はすべて有効です。');
    expect(j).toContain('[1] ✓ 署名 Borrower — 有効');
    expect(j).toContain('署名者: 山田　太郎（公的個人認証の署名用電子証明書、証明書のシリアル番号 ');
    expect(j).toContain(`署名タイムスタンプ（時刻認証局が証明した時刻）: ${tsJst.ja}（日本時間、ISO 8601: ${s.time.timestamp}）`);
    expect(j).toContain(`署名日時（署名者の申告、証明はされていません）: ${jst(s.time.claimed!).ja}（日本時間、ISO 8601: ${s.time.claimed}）`);
    expect(j).toContain('署名後の変更: 署名の後、文書の内容は変更されていません（後の署名の追加を除く）。');
    expect(j).toContain(`✓ 失効の確認: ${revocationMeaning({ signing: { status: 'good' } }).ja}（確認先: OCSPレスポンダ、確認日時: `);
    expect(j).not.toContain('詳細');
    const e = en(passed);
    expect(e).toContain('✓ VALID: All 1 signature of this document are valid.');
    expect(e).toContain('[1] ✓ Signature Borrower — VALID');
    expect(e).toContain('Signed by: 山田　太郎 (JPKI signing certificate of an individual, certificate serial ');
    expect(e).toContain(`Signature timestamp (time proven by a timestamp authority): ${tsJst.en} JST (ISO 8601: ${s.time.timestamp})`);
    expect(e).toContain('Changed since signing: Nothing in the document changed after this signature (apart from any later signatures).');
    expect(e).toContain(`Revocation: ${revocationMeaning({ signing: { status: 'good' } }).en} (checked with the OCSP responder at `);
  });

  it('both languages: each line in Japanese, then in English', () => {
    const b = renderReportText(passed);
    expect(b.split('\n').slice(0, 4)).toEqual(['電子署名の検証結果 / Signature verification report', '='.repeat(40), '✓ 有効: この文書の署名（1件）はすべて有効です。', '✓ VALID: All 1 signature of this document are valid.']);
    expect(b).toMatch(/ {2} {2}署名者 \/ Signed by:\n {8}山田　太郎（公的個人認証の署名用電子証明書、[^\n]+\n {8}山田　太郎 \(JPKI signing certificate of an individual/);
  });

  it('a seal and its document timestamp (B-LTA): the organisation and the timestamp authority, LTA updates after the seal', () => {
    const e = en(sealed);
    expect(sealed.document.indication).toBe('TOTAL_PASSED');
    expect(e).toMatch(/Signed by: [^\n]+ \(certificate of an organisation, certificate serial [0-9A-Fa-f]+\)/);
    expect(e).toContain('Changed since signing: After this signature, only later signatures and long-term validation data (revocation data, document timestamps, metadata) were added.');
    expect(e).toMatch(/\[2\] ✓ Document timestamp DocumentTimestamp\d — VALID\n {2}✓ Result: VALID: the document timestamp is valid\.\n {4}Timestamp authority: Jitsuin Test Time-Stamping Authority \(Jitsuin Test PKI\) \(certificate serial /);
    expect(e).toContain('Format: PAdES B-LTA (ETSI.RFC3161)');
  });

  it('revoked before signing (certificateHold): NOT VALID, the reason and what it means for the person', () => {
    const s = revoked.signatures[0]!;
    expect(s).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'REVOKED', revocation: { meaningCode: 'CARD_LOST_OR_STOLEN' } });
    const hold = revocationMeaning({ signing: { status: 'revoked', reason: 'certificateHold' } });
    const j = ja(revoked);
    expect(j).toContain('✗ 無効: この文書には無効な署名があります。署名の時点で、証明書はすでに失効していました。');
    expect(j).toContain('✗ 判定: 無効: 署名の時点で、証明書はすでに失効していました。（REVOKED）');
    expect(j).toContain(`✗ 失効の確認: 証明書は失効しています（失効理由: certificateHold）。 ${hold.ja}（確認先: OCSPレスポンダ`);
    expect(j).toContain('詳細（検証器のメッセージ）:');
    const e = en(revoked);
    expect(e).toContain('✗ NOT VALID: This document has a signature that is NOT valid. The certificate had already been revoked when the signature was made.');
    expect(e).toContain(`✗ Revocation: The certificate is revoked (reason: certificateHold). ${hold.en} (checked with the OCSP responder at `);
    expect(e).toMatch(/Details \(verifier messages\):\n {6}- field Guarantor: the signature claims to be made on/);
  });

  // Each meaning of the design's table, from the meaning code the report carries.
  const MEANINGS: [RevocationMeaningCode, RevocationReason, 'good' | 'revoked' | undefined][] = [
    ['FACTS_CHANGED', 'affiliationChanged', 'good'],
    ['REMOVED_FROM_REGISTER', 'affiliationChanged', 'revoked'],
    ['FACTS_CHANGED_OR_REMOVED', 'affiliationChanged', undefined],
    ['REVOCATION_REQUESTED', 'cessationOfOperation', undefined],
    ['RENEWED', 'superseded', undefined],
    ['CARD_LOST_OR_STOLEN', 'certificateHold', undefined],
    ['KEY_COMPROMISED', 'keyCompromise', undefined],
    ['REVOKED_OTHER', 'unspecified', undefined],
  ];
  it.each(MEANINGS)('revoked, %s: the jpki table\'s words in both languages', (code, reason, auth) => {
    const meaning = revocationMeaning({ signing: { status: 'revoked', reason }, ...(auth ? { auth: { status: auth } } : {}) });
    expect(meaning.code).toBe(code);
    const report = withRevocation(revoked, { status: 'REVOKED', reason, meaning: meaning.en, meaningCode: code, source: 'JPKI' });
    const b = renderReportText(report);
    expect(b).toContain(`証明書は失効しています（失効理由: ${reason}）。 ${meaning.ja}（確認先: 公的個人認証（JPKI）の失効情報、確認日時: `);
    expect(b).toContain(`The certificate is revoked (reason: ${reason}). ${meaning.en} (checked with the JPKI revocation source at `);
  });

  it('revoked after the signature timestamp: the signature stays valid, and the text says why', () => {
    const meaning = revocationMeaning({ signing: { status: 'revoked', reason: 'superseded' } });
    const report = withRevocation(passed, { status: 'REVOKED', reason: 'superseded', meaning: meaning.en, meaningCode: 'RENEWED', source: 'OCSP' });
    expect(ja(report)).toContain(`! 失効の確認: 証明書は失効しています（失効理由: superseded）。 ${meaning.ja} 失効は署名の存在が証明された時刻より後なので、署名は有効です。`);
    expect(en(report)).toContain(`The certificate is revoked (reason: superseded). ${meaning.en} It was revoked after the time the signature is proven to exist, so the signature stays valid.`);
  });

  it('modified after signing (a shadow attack): NOT VALID, the change not allowed, and what changed', () => {
    expect(modified.document).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'MODIFICATIONS_NOT_ALLOWED' });
    const j = ja(modified);
    expect(j).toContain('✗ 無効: この文書には無効な署名があります。署名の後で、許されていない変更が文書に加えられています。表示される内容が署名したものと異なる可能性があります。');
    expect(j).toContain('✗ 署名後の変更: 署名の後に、文書の内容が変更されています。この変更は許されていません。表示される内容が署名したものと異なる可能性があります。');
    const e = en(modified);
    expect(e).toContain('✗ Result: NOT VALID: The document was changed after signing in a way that is not allowed: what it shows may differ from what was signed. (MODIFICATIONS_NOT_ALLOWED)');
    expect(e).toContain('✗ Changed since signing: The content of the document was changed after this signature. This change is not allowed: what the document shows may differ from what was signed.');
    expect(e).toMatch(/- field Borrower: the document was changed after this signature in a way that is not allowed \(OTHER\): revision \d+: page 1 \(object \d+\) changed its \/Contents/);
  });

  it('no signature: says so, and that neither signer nor changes can be confirmed', () => {
    expect(ja(unsigned)).toBe(
      ['電子署名の検証結果', '='.repeat(40), '! 署名なし: この文書には署名がありません。署名されたことも、内容が変更されていないことも確認できません。', ''].join('\n'),
    );
    expect(en(unsigned)).toContain('! NO SIGNATURE: This document has no signature: neither who signed it nor whether it was changed can be confirmed.');
  });

  it('indeterminate (TRY_LATER): cannot be judged now, verify again later', () => {
    expect(tryLater.document).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'TRY_LATER' });
    const j = ja(tryLater);
    expect(j).toContain('! 判定できません: この文書の署名が有効かどうか、確定できませんでした。失効情報を確認できなかったため、現時点では判定できません。時間をおいてもう一度検証してください。');
    expect(j).toContain('! 失効の確認: 失効しているかどうか確認できませんでした。（確認日時: ');
    const e = en(tryLater);
    expect(e).toContain('! INDETERMINATE: Whether this document\'s signatures are valid could not be established. The revocation status could not be obtained, so the signature cannot be judged now: verify again later.');
    expect(e).toContain('Signature timestamp: none (the signing time is not proven)');
  });

  it('names from the PDF cannot drive the terminal: escape sequences, line breaks and bidi overrides are shown, not obeyed', () => {
    const evil = withSigner(passed, 'Borrower\u001b[2J\u001b]0;pwned\u0007\nforged line\u202e', 'Yamada\u001b[31m');
    const t = renderReportText(evil);
    expect(t).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(t).toContain('Borrower\\u{001b}[2J\\u{001b}]0;pwned\\u{0007}\\u{000a}forged line\\u{202e}');
    expect(t).toContain('Yamada\\u{001b}[31m');
  });
});

describe('HTML', () => {
  it('one self-contained page in both languages: no scripts, no external resources', () => {
    const html = renderReportHtml(passed);
    expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="ja">/);
    // The policy allows the page's own style by its hash, nothing inline besides.
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    const hash = `'sha256-${createHash('sha256').update(style).digest('base64')}'`;
    expect(REPORT_STYLE_HASH).toBe(hash);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${hash}">`);
    expect(html).not.toContain('unsafe-inline');
    expect(html).toContain('<section id="ja" lang="ja">');
    expect(html).toContain('<section id="en" lang="en">');
    expect(html).toContain('<th scope="row">署名者</th><td>山田　太郎（公的個人認証の署名用電子証明書、');
    expect(html).toContain('<th scope="row">Signed by</th><td>山田　太郎 (JPKI signing certificate of an individual');
    expect(html).not.toMatch(/<script|<link|<img|<iframe|src=|url\(/i);
  });

  it.each([
    ['revoked', () => revoked, '署名の時点で、証明書はすでに失効していました。', 'The certificate had already been revoked when the signature was made.'],
    ['modified', () => modified, '署名の後に、文書の内容が変更されています。この変更は許されていません。', 'This change is not allowed: what the document shows may differ from what was signed.'],
    ['no signature', () => unsigned, 'この文書には署名がありません。', 'This document has no signature'],
    ['TRY_LATER', () => tryLater, '時間をおいてもう一度検証してください。', 'verify again later.'],
  ])('%s: the same words as the terminal', (_name, report, jaText, enText) => {
    const html = renderReportHtml(report());
    expect(html).toContain(jaText);
    expect(html).toContain(enText);
  });

  it('a malicious field name or signer name cannot inject HTML', () => {
    const payloads = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "'><svg onload=alert(1)>", '</td></tr></table><a href="javascript:alert(1)">x</a>', '&lt;script&gt;'];
    for (const payload of payloads) {
      const html = renderReportHtml(withSigner(modified, `Borrower${payload}`, `山田${payload}`, `CN=${payload}, O=Evil`));
      // Every tag in the page is one the renderer writes.
      const tags = new Set([...html.matchAll(/<\/?([a-zA-Z!][a-zA-Z0-9]*)/g)].map((m) => m[1]!.toLowerCase()));
      expect([...tags].sort()).toEqual(['!doctype', 'article', 'body', 'details', 'h1', 'h2', 'head', 'html', 'li', 'meta', 'nav', 'a', 'p', 'section', 'span', 'strong', 'style', 'summary', 'table', 'td', 'th', 'title', 'tr', 'ul'].sort());
      // And every attribute.
      const attributes = new Set([...html.matchAll(/<[a-zA-Z][^>]*>/g)].flatMap((t) => [...t[0].replace(/"[^"]*"/g, '""').matchAll(/\s([a-zA-Z-]+)=/g)].map((m) => m[1]!)));
      expect([...attributes].sort()).toEqual(['charset', 'class', 'content', 'href', 'http-equiv', 'id', 'lang', 'name', 'scope'].sort());
      expect([...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1])).toEqual(['#ja', '#en']);
      expect(html).not.toContain(payload);
      expect(html).toContain(`Borrower${payload.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')}`);
    }
  });

  it('a malicious field name in a real PDF is escaped too', async () => {
    const out = join(await signWith(pdf('evil field'), await pki.card('yamada-hanako'), { placement: { fieldName: '<script>alert("x")</script>' }, level: 'B-B' }));
    const report = await verifyPdf(out, opts);
    expect(report.signatures[0]!.field).toBe('<script>alert("x")</script>');
    const html = renderReportHtml(report);
    expect(html).not.toContain('<script');
    expect(html).toContain('署名 &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
  });
});

/** JST wall time of an ISO time, as the renderers write it. */
function jst(iso: string) {
  const d = new Date(new Date(iso).getTime() + 9 * 3_600_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  const [y, mo, da, h, mi, s] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()];
  return {
    ja: `${y}年${mo}月${da}日 ${pad(h)}:${pad(mi)}:${pad(s)}`,
    en: `${y}-${pad(mo)}-${pad(da)} ${pad(h)}:${pad(mi)}:${pad(s)}`,
  };
}

function withRevocation(report: VerificationReport, revocation: Partial<SignatureReport['revocation']>): VerificationReport {
  const copy = structuredClone(report);
  Object.assign(copy.signatures[0]!.revocation, revocation);
  return copy;
}

function withSigner(report: VerificationReport, field: string, name: string, subject?: string): VerificationReport {
  const copy = structuredClone(report);
  const s = copy.signatures[0]!;
  s.field = field;
  s.messages.unshift(`field ${field}: ${name}`);
  s.signer = { subject: subject ?? 'C=JP', serial: '01', jpki: subject ? null : { name, address: 'x', dateOfBirth: '1980-01-01', gender: 'MALE' } };
  return copy;
}
