import { escapeHtml, renderReportHtml, type VerificationReport } from '@jitsuin/verify';
import type { SignerFactsCheck } from '../domain/signer-facts.js';
import type { StoredReport } from '../domain/stored-report.js';

/**
 * The HTML page of a report: @jitsuin/verify's renderReportHtml (one self-contained page, in
 * Japanese and English: who signed, when, what changed since, what a revocation means).
 */
export function reportHtml(report: VerificationReport): string {
  return renderReportHtml(report);
}

const FACTS = {
  ja: { name: '氏名', dateOfBirth: '生年月日', address: '住所', gender: '性別' },
  en: { name: 'name', dateOfBirth: 'date of birth', address: 'address', gender: 'gender' },
} as const;

/** Why the stored verdict is TOTAL_FAILED although the signature verifies: fact names, not values. */
function mismatchBanner(check: SignerFactsCheck): string {
  const ja = check.certificateHasFacts
    ? `署名者の電子証明書の${check.differing.map((f) => FACTS.ja[f]).join('・')}が、契約で当事者（${check.partyId}）に予定された情報と一致しません（SIGNER_FACTS_MISMATCH）。`
    : `署名者の電子証明書に基本4情報がありません。当事者（${check.partyId}）の署名用電子証明書による署名ではありません（SIGNER_FACTS_MISMATCH）。`;
  const words = check.differing.map((f) => FACTS.en[f]);
  const list = words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
  const en = check.certificateHasFacts
    ? `The ${list} in the signer's certificate ${words.length === 1 ? 'does' : 'do'} not match what the contract expects of party ${check.partyId} (SIGNER_FACTS_MISMATCH).`
    : `The signer's certificate carries no basic-4 facts: this is not party ${check.partyId}'s JPKI signing certificate (SIGNER_FACTS_MISMATCH).`;
  return `<section id="signer-facts"><p lang="ja"><strong>${escapeHtml(ja)}</strong></p><p lang="en"><strong>${escapeHtml(en)}</strong></p></section>`;
}

/** A stored report's page: the library's report, after what the party check found when it failed. */
export function storedReportHtml(stored: StoredReport): string {
  const html = reportHtml(JSON.parse(stored.reportJson) as VerificationReport);
  const check = stored.signerFacts;
  if (!check || check.matches) return html;
  return html.replace('<body>', () => `<body>\n${mismatchBanner(check)}`);
}
