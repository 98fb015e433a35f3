import { revocationMeaning, type RevocationMeaningCode } from '@jitsuin/jpki';
import type { SignatureReport, VerificationReport } from '@jitsuin/verify';

/**
 * The HTML page of a report. `reportHtml` is the one function the pages call: it stands in for
 * @jitsuin/verify's renderReportHtml until that exists, and is switched over to it in this one
 * place. Says in Japanese and English who signed, when, whether anything changed since, and
 * what a revocation means.
 */
export function reportHtml(report: VerificationReport, title = 'Verification report'): string {
  return fallbackReportHtml(report, title);
}

const esc = (s: unknown) =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const VERDICT: Record<string, [string, string]> = {
  TOTAL_PASSED: ['有効', 'Valid'],
  INDETERMINATE: ['判定不能', 'Indeterminate'],
  TOTAL_FAILED: ['無効', 'Invalid'],
  NO_SIGNATURE_FOUND: ['署名なし', 'No signature'],
};

const MODIFICATIONS: Record<string, [string, string]> = {
  NONE: ['署名後の変更はありません', 'Nothing changed after this signature'],
  LTA_UPDATES: ['署名後の変更は検証情報とタイムスタンプの追加のみです', 'Only validation data and timestamps were added after this signature'],
  FORM_FILLING: ['署名後にフォーム入力・署名が追加されました（許可された変更）', 'Form filling and signatures were added after this signature (allowed)'],
  ANNOTATIONS: ['署名後に注釈が追加されました（許可された変更）', 'Annotations were added after this signature (allowed)'],
  OTHER: ['署名後に許可されていない変更があります', 'The document was changed after this signature in a way that is not allowed'],
};

function meaningJa(code: string | null): string | null {
  if (!code) return null;
  // The Japanese words of the same meaning, from @jitsuin/jpki's table.
  const byCode: Record<string, Parameters<typeof revocationMeaning>[0]> = {
    ALIVE: { signing: { status: 'good' } },
    FACTS_CHANGED: { signing: { status: 'revoked', reason: 'affiliationChanged' }, auth: { status: 'good' } },
    REMOVED_FROM_REGISTER: { signing: { status: 'revoked', reason: 'affiliationChanged' }, auth: { status: 'revoked' } },
    FACTS_CHANGED_OR_REMOVED: { signing: { status: 'revoked', reason: 'affiliationChanged' } },
    REVOCATION_REQUESTED: { signing: { status: 'revoked', reason: 'cessationOfOperation' } },
    RENEWED: { signing: { status: 'revoked', reason: 'superseded' } },
    CARD_LOST_OR_STOLEN: { signing: { status: 'revoked', reason: 'certificateHold' } },
    KEY_COMPROMISED: { signing: { status: 'revoked', reason: 'keyCompromise' } },
    REVOKED_OTHER: { signing: { status: 'revoked', reason: 'unspecified' } },
    STATUS_UNKNOWN: { signing: { status: 'unknown' } },
  } satisfies Record<RevocationMeaningCode, Parameters<typeof revocationMeaning>[0]>;
  const state = byCode[code];
  return state ? revocationMeaning(state).ja : null;
}

function signatureSection(s: SignatureReport, i: number): string {
  const [ja, en] = VERDICT[s.indication] ?? [s.indication, s.indication];
  const who = s.signer?.jpki?.name ?? s.signer?.subject ?? '不明 / unknown';
  const mod = s.modifications ? MODIFICATIONS[s.modifications] : undefined;
  const rows: [string, string][] = [
    ['署名者 / Signer', esc(who)],
    ['判定 / Result', `<strong>${esc(ja)} / ${esc(en)}</strong>${s.subIndication ? ` (${esc(s.subIndication)})` : ''}`],
    ['署名日時 / Signed at', esc(s.time.timestamp ?? s.time.claimed ?? '—') + (s.time.timestamp ? ' (タイムスタンプ / timestamp)' : s.time.claimed ? ' (署名者の申告 / claimed by the signer)' : '')],
    ['署名後の変更 / Changes since', mod ? `${esc(mod[0])}<br>${esc(mod[1])}` : '不明 / not analysed'],
    ['失効確認 / Revocation', `${esc(s.revocation.status)}${s.revocation.reason ? ` (${esc(s.revocation.reason)})` : ''}${s.revocation.source ? `, ${esc(s.revocation.source)}` : ''}`],
  ];
  const ja2 = meaningJa(s.revocation.meaningCode);
  if (s.revocation.meaning || ja2) rows.push(['意味 / Meaning', `${esc(ja2 ?? '')}<br>${esc(s.revocation.meaning ?? '')}`]);
  rows.push(['フィールド / Field', `${esc(s.field)} · ${esc(s.level)} · ${esc(s.subFilter)}`]);
  const messages = s.messages.length ? `<ul class="messages">${s.messages.map((m) => `<li>${esc(m)}</li>`).join('')}</ul>` : '';
  return `<section class="signature ${esc(s.indication)}"><h2>署名 ${i + 1} / Signature ${i + 1}</h2><table>${rows
    .map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`)
    .join('')}</table>${messages}</section>`;
}

function fallbackReportHtml(report: VerificationReport, title: string): string {
  const d = report.document;
  const [ja, en] = VERDICT[d.indication] ?? [d.indication, d.indication];
  return `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:.3rem .5rem;border-bottom:1px solid #ddd}th{width:14rem}.TOTAL_PASSED h2{color:#1a7f37}.TOTAL_FAILED h2{color:#cf222e}.INDETERMINATE h2{color:#9a6700}.messages{font-size:.85rem;color:#555}</style>
</head><body>
<h1>署名検証結果 / ${esc(title)}</h1>
<p class="verdict ${esc(d.indication)}"><strong>${esc(ja)} / ${esc(en)}</strong>${d.subIndication ? ` (${esc(d.subIndication)})` : ''} — 署名 ${d.signatureCount} 件 / ${d.signatureCount} signature(s)</p>
${report.signatures.map(signatureSection).join('\n')}
</body></html>
`;
}

/** A short page for an error (the status line says the rest). */
export function errorHtml(message: string): string {
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Verification</title></head><body><p>${esc(message)}</p></body></html>\n`;
}
