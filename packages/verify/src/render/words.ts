import { type CertState, type RevocationMeaningCode, revocationMeaning } from '@jitsuin/jpki';
import type { Indication, Modifications, RevocationSourceKind, SignatureReport, SubIndication, VerificationReport } from '../report.js';

/**
 * The plain words of a verification report, in Japanese and English, for the terminal and HTML
 * renderers (one wording, two layouts). Everything here comes from the JSON report alone, so the
 * library, the service and the CLI say the same thing. The signer's basic-4 name appears because
 * the person who asked needs it; this is output, never a log line.
 */

export type Lang = 'ja' | 'en';

export interface Phrase {
  ja: string;
  en: string;
}

/** How a line reads at a glance (colour in HTML, a marker in the terminal). */
export type Tone = 'good' | 'bad' | 'warn' | 'neutral';

export interface Line {
  label: Phrase;
  value: Phrase;
  tone: Tone;
}

export interface SignatureWords {
  /** e.g. 署名 Borrower / Signature Borrower */
  title: Phrase;
  verdict: Phrase;
  tone: Tone;
  lines: Line[];
  /** The report's technical messages (English, as the verifier wrote them). */
  details: string[];
}

export interface ReportWords {
  title: Phrase;
  verdict: Phrase;
  summary: Phrase;
  tone: Tone;
  signatures: SignatureWords[];
}

const p = (ja: string, en: string): Phrase => ({ ja, en });

const TONE: Record<Indication, Tone> = { TOTAL_PASSED: 'good', TOTAL_FAILED: 'bad', INDETERMINATE: 'warn', NO_SIGNATURE_FOUND: 'warn' };

const VERDICT: Record<Indication, Phrase> = {
  TOTAL_PASSED: p('有効', 'VALID'),
  TOTAL_FAILED: p('無効', 'NOT VALID'),
  INDETERMINATE: p('判定できません', 'INDETERMINATE'),
  NO_SIGNATURE_FOUND: p('署名なし', 'NO SIGNATURE'),
};

/** What each sub-indication means for the reader (ETSI EN 319 102-1 names, plus MODIFICATIONS_NOT_ALLOWED). */
const SUB_INDICATION: Record<SubIndication, Phrase> = {
  FORMAT_FAILURE: p('署名の形式が正しくありません（署名の範囲または署名データの構造に問題があります）。', 'The signature is malformed (its signed byte ranges or its data structure are wrong).'),
  HASH_FAILURE: p('署名された内容が、署名の後で書き換えられています。', 'The signed content was altered after signing.'),
  SIG_CRYPTO_FAILURE: p('署名値が証明書の鍵で検証できません（偽造の可能性があります）。', "The signature value does not verify with the certificate's key (it may be forged)."),
  MODIFICATIONS_NOT_ALLOWED: p('署名の後で、許されていない変更が文書に加えられています。表示される内容が署名したものと異なる可能性があります。', 'The document was changed after signing in a way that is not allowed: what it shows may differ from what was signed.'),
  REVOKED: p('署名の時点で、証明書はすでに失効していました。', 'The certificate had already been revoked when the signature was made.'),
  EXPIRED: p('署名の時点で、証明書の有効期限が切れていました。', 'The certificate had expired when the signature was made.'),
  NOT_YET_VALID: p('証明書の有効期間が始まる前の時刻で署名されています。', 'The signature was made before the certificate became valid.'),
  SIG_CONSTRAINTS_FAILURE: p('署名またはそのタイムスタンプが検証の条件を満たしていません。', 'The signature or its timestamp does not meet the validation constraints.'),
  CHAIN_CONSTRAINTS_FAILURE: p('証明書が署名に使える種類のものではありません（用途またはポリシーの条件を満たしていません）。', 'The certificate is not fit for signing (its key usage or policy does not allow it).'),
  CERTIFICATE_CHAIN_GENERAL_FAILURE: p('証明書の連鎖を検証できませんでした。', 'The certificate chain could not be validated.'),
  CRYPTO_CONSTRAINTS_FAILURE: p('使われている暗号アルゴリズムまたは鍵の長さが弱すぎます。', 'The algorithms or the key length used are too weak.'),
  POLICY_PROCESSING_ERROR: p('署名ポリシーを処理できませんでした。', 'The signature policy could not be processed.'),
  SIGNATURE_POLICY_NOT_AVAILABLE: p('署名ポリシーを入手できませんでした。', 'The signature policy is not available.'),
  TIMESTAMP_ORDER_FAILURE: p('タイムスタンプの時刻の順序が正しくありません。', 'The timestamps are in an impossible order.'),
  NO_SIGNING_CERTIFICATE_FOUND: p('署名者の証明書を特定できませんでした。', "The signer's certificate could not be identified."),
  NO_CERTIFICATE_CHAIN_FOUND: p('証明書が、信頼する認証局につながりません。', 'The certificate does not chain to a trusted certification authority.'),
  REVOKED_NO_POE: p('証明書は失効しています。失効より前に署名されたことを証明するタイムスタンプがありません。', 'The certificate is revoked, and nothing proves the signature was made before the revocation.'),
  REVOKED_CA_NO_POE: p('証明書を発行した認証局の証明書が失効しています。それより前に署名されたことを証明するものがありません。', "The issuing CA's certificate is revoked, and nothing proves the signature was made before that."),
  OUT_OF_BOUNDS_NO_POE: p('証明書の有効期限が切れています。期限内に署名されたことを証明するタイムスタンプがありません。', 'The certificate has expired, and nothing proves the signature was made while it was valid.'),
  OUT_OF_BOUNDS_NOT_REVOKED: p('証明書の有効期限が切れています（失効はしていません）。期限内に署名されたことを証明するものがありません。', 'The certificate has expired (it is not revoked), and nothing proves the signature was made while it was valid.'),
  CRYPTO_CONSTRAINTS_FAILURE_NO_POE: p('暗号アルゴリズムが弱くなる前に署名されたことを証明するものがありません。', 'Nothing proves the signature was made while its algorithms were still considered strong.'),
  NO_POE: p('署名がいつ存在したかを証明するものがありません。', 'Nothing proves when the signature existed.'),
  TRY_LATER: p('失効情報を確認できなかったため、現時点では判定できません。時間をおいてもう一度検証してください。', 'The revocation status could not be obtained, so the signature cannot be judged now: verify again later.'),
  SIGNED_DATA_NOT_FOUND: p('署名データがありません（署名が完了していません）。', 'There is no signature data (the signature was never completed).'),
};

const MODIFICATIONS: Record<Modifications, Phrase> = {
  NONE: p('署名の後、文書の内容は変更されていません（後の署名の追加を除く）。', 'Nothing in the document changed after this signature (apart from any later signatures).'),
  LTA_UPDATES: p('署名の後に加えられたのは、後の署名と長期検証用の情報（失効情報・文書タイムスタンプ・メタデータ）だけです。', 'After this signature, only later signatures and long-term validation data (revocation data, document timestamps, metadata) were added.'),
  FORM_FILLING: p('署名の後に、フォームへの入力（と後の署名）がありました。', 'After this signature, form fields were filled in (and later signatures added).'),
  ANNOTATIONS: p('署名の後に、注釈（コメントや書き込み）が追加または変更されました。', 'After this signature, annotations (comments or markings) were added or changed.'),
  OTHER: p('署名の後に、文書の内容が変更されています。', 'The content of the document was changed after this signature.'),
};

const SOURCE: Record<RevocationSourceKind, Phrase> = {
  OCSP: p('OCSPレスポンダ', 'the OCSP responder'),
  CRL: p('失効リスト（CRL）', 'the certificate revocation list (CRL)'),
  DSS: p('文書に埋め込まれた失効情報（DSS）', 'the revocation data embedded in the document (DSS)'),
  JPKI: p('公的個人認証（JPKI）の失効情報', 'the JPKI revocation source'),
};

/** The states that give each meaning in @jitsuin/jpki's table: its words are used as they are, never copied. */
const MEANING_STATES: Record<RevocationMeaningCode, { signing: CertState; auth?: CertState }> = {
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
};

/** The jpki table's words for a meaning code, or undefined for a code it does not know. */
export function meaningWords(code: string | null): Phrase | undefined {
  const state = code ? MEANING_STATES[code as RevocationMeaningCode] : undefined;
  if (!state) return undefined;
  const m = revocationMeaning(state);
  return p(m.ja, m.en);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An ISO-8601 time as Japan Standard Time (UTC+9, no daylight saving), with the ISO-8601 form the JSON report holds. */
export function timeWords(iso: string): Phrase {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return p(iso, iso);
  const j = new Date(d.getTime() + 9 * 3_600_000);
  const [y, mo, da, h, mi, s] = [j.getUTCFullYear(), j.getUTCMonth() + 1, j.getUTCDate(), j.getUTCHours(), j.getUTCMinutes(), j.getUTCSeconds()];
  const clock = `${pad(h)}:${pad(mi)}:${pad(s)}`;
  return p(`${y}年${mo}月${da}日 ${clock}（日本時間、ISO 8601: ${iso}）`, `${y}-${pad(mo)}-${pad(da)} ${clock} JST (ISO 8601: ${iso})`);
}

/** CN (and O) of a subject written "C=JP, O=..., CN=...", else the whole subject. */
function displayName(subject: string): string {
  const attr = (k: string) => new RegExp(`(?:^|,\\s*)${k}=([^,]+)`).exec(subject)?.[1]?.trim();
  const cn = attr('CN');
  const o = attr('O');
  if (cn && o && o !== cn) return `${cn} (${o})`;
  return cn ?? o ?? subject;
}

function who(s: SignatureReport, timestamp: boolean): Line {
  const label = timestamp ? p('時刻認証局', 'Timestamp authority') : p('署名者', 'Signed by');
  if (!s.signer) return { label, value: p('証明書を特定できませんでした', 'the certificate could not be identified'), tone: 'bad' };
  const cert = p(`証明書のシリアル番号 ${s.signer.serial}`, `certificate serial ${s.signer.serial}`);
  if (s.signer.jpki) {
    return {
      label,
      value: p(`${s.signer.jpki.name}（公的個人認証の署名用電子証明書、${cert.ja}）`, `${s.signer.jpki.name} (JPKI signing certificate of an individual, ${cert.en})`),
      tone: 'neutral',
    };
  }
  const name = displayName(s.signer.subject);
  return timestamp
    ? { label, value: p(`${name}（${cert.ja}）`, `${name} (${cert.en})`), tone: 'neutral' }
    : { label, value: p(`${name}（組織の電子証明書、${cert.ja}）`, `${name} (certificate of an organisation, ${cert.en})`), tone: 'neutral' };
}

function when(s: SignatureReport, timestamp: boolean): Line[] {
  const lines: Line[] = [];
  if (timestamp) {
    lines.push(
      s.time.timestamp
        ? { label: p('文書タイムスタンプの時刻', 'Document timestamp'), value: timeWords(s.time.timestamp), tone: 'neutral' }
        : { label: p('文書タイムスタンプの時刻', 'Document timestamp'), value: p('読み取れませんでした', 'could not be read'), tone: 'warn' },
    );
    return lines;
  }
  lines.push(
    s.time.claimed
      ? { label: p('署名日時（署名者の申告、証明はされていません）', 'Signing time (claimed by the signer, not proven)'), value: timeWords(s.time.claimed), tone: 'neutral' }
      : { label: p('署名日時（署名者の申告）', 'Signing time (claimed by the signer)'), value: p('記載なし', 'none given'), tone: 'neutral' },
  );
  lines.push(
    s.time.timestamp
      ? { label: p('署名タイムスタンプ（時刻認証局が証明した時刻）', 'Signature timestamp (time proven by a timestamp authority)'), value: timeWords(s.time.timestamp), tone: 'neutral' }
      : { label: p('署名タイムスタンプ', 'Signature timestamp'), value: p('なし（署名の時刻は証明されていません）', 'none (the signing time is not proven)'), tone: 'neutral' },
  );
  return lines;
}

function changes(s: SignatureReport): Line {
  const label = p('署名後の変更', 'Changed since signing');
  if (s.modifications === null) return { label, value: p('判定できませんでした（署名の範囲を読み取れません）。', 'Could not be determined (the signed byte ranges cannot be read).'), tone: 'warn' };
  const base = MODIFICATIONS[s.modifications];
  const disallowed = s.subIndication === 'MODIFICATIONS_NOT_ALLOWED' || s.modifications === 'OTHER';
  if (disallowed) {
    return { label, value: p(`${base.ja}この変更は許されていません。表示される内容が署名したものと異なる可能性があります。`, `${base.en} This change is not allowed: what the document shows may differ from what was signed.`), tone: 'bad' };
  }
  return { label, value: s.modifications === 'NONE' || s.modifications === 'LTA_UPDATES' ? base : p(`${base.ja}この変更は許されています。`, `${base.en} This change is allowed.`), tone: 'good' };
}

function revocation(s: SignatureReport): Line {
  const r = s.revocation;
  const label = p('失効の確認', 'Revocation');
  const from = r.source ? SOURCE[r.source] : undefined;
  const checked = timeWords(r.checkedAt);
  const where = from ? p(`（確認先: ${from.ja}、確認日時: ${checked.ja}）`, ` (checked with ${from.en} at ${checked.en})`) : p(`（確認日時: ${checked.ja}）`, ` (checked at ${checked.en})`);
  const meaning = meaningWords(r.meaningCode);
  const withMeaning = (ja: string, en: string) => (meaning ? p(`${ja} ${meaning.ja}`, `${en} ${meaning.en}`) : p(ja, en));
  switch (r.status) {
    case 'GOOD': {
      // The JPKI meaning (ALIVE) says more than "not revoked": it alone, then.
      const v = meaning ?? p('証明書は失効していません。', 'The certificate is not revoked.');
      return { label, value: p(v.ja + where.ja, v.en + where.en), tone: 'good' };
    }
    case 'REVOKED': {
      const reason = r.reason ? p(`（失効理由: ${r.reason}）`, ` (reason: ${r.reason})`) : p('', '');
      const v = withMeaning(`証明書は失効しています${reason.ja}。`, `The certificate is revoked${reason.en}.`);
      const after = s.indication === 'TOTAL_PASSED' ? p(' 失効は署名の存在が証明された時刻より後なので、署名は有効です。', ' It was revoked after the time the signature is proven to exist, so the signature stays valid.') : p('', '');
      return { label, value: p(v.ja + after.ja + where.ja, v.en + after.en + where.en), tone: s.indication === 'TOTAL_PASSED' ? 'warn' : 'bad' };
    }
    case 'UNKNOWN':
      return { label, value: p(`失効しているかどうか確認できませんでした。${where.ja}`, `Whether the certificate is revoked could not be determined.${where.en}`), tone: 'warn' };
    default:
      return { label, value: p('確認していません（証明書が信頼する認証局につながらないため）。', 'Not checked (the certificate does not chain to a trusted authority).'), tone: 'warn' };
  }
}

function signatureWords(s: SignatureReport): SignatureWords {
  const timestamp = s.subFilter === 'ETSI.RFC3161';
  const title = timestamp ? p(`文書タイムスタンプ ${s.field}`, `Document timestamp ${s.field}`) : p(`署名 ${s.field}`, `Signature ${s.field}`);
  const verdict = VERDICT[s.indication];
  const reason = s.subIndication ? SUB_INDICATION[s.subIndication] : undefined;
  const lines: Line[] = [
    {
      label: p('判定', 'Result'),
      value: reason
        ? p(`${verdict.ja}: ${reason.ja}（${s.subIndication}）`, `${verdict.en}: ${reason.en} (${s.subIndication})`)
        : timestamp
          ? p(`${verdict.ja}: 文書タイムスタンプは有効です。`, `${verdict.en}: the document timestamp is valid.`)
          : p(`${verdict.ja}: 署名は有効です。`, `${verdict.en}: the signature is valid.`),
      tone: TONE[s.indication],
    },
    who(s, timestamp),
    ...when(s, timestamp),
    changes(s),
    revocation(s),
    { label: p('形式', 'Format'), value: p(`PAdES ${s.level}（${s.subFilter}）`, `PAdES ${s.level} (${s.subFilter})`), tone: 'neutral' },
  ];
  return { title, verdict, tone: TONE[s.indication], lines, details: s.messages };
}

/** The plain words of `report`, in both languages. */
export function describeReport(report: VerificationReport): ReportWords {
  const d = report.document;
  const n = d.signatureCount;
  const reason = d.subIndication ? SUB_INDICATION[d.subIndication] : undefined;
  const summary: Record<Indication, Phrase> = {
    TOTAL_PASSED: p(`この文書の署名（${n}件）はすべて有効です。`, `All ${n} signature${n === 1 ? '' : 's'} of this document are valid.`),
    TOTAL_FAILED: p(`この文書には無効な署名があります。${reason?.ja ?? ''}`, `This document has a signature that is NOT valid. ${reason?.en ?? ''}`.trim()),
    INDETERMINATE: p(`この文書の署名が有効かどうか、確定できませんでした。${reason?.ja ?? ''}`, `Whether this document's signatures are valid could not be established. ${reason?.en ?? ''}`.trim()),
    NO_SIGNATURE_FOUND: p('この文書には署名がありません。署名されたことも、内容が変更されていないことも確認できません。', 'This document has no signature: neither who signed it nor whether it was changed can be confirmed.'),
  };
  return {
    title: p('電子署名の検証結果', 'Signature verification report'),
    verdict: VERDICT[d.indication],
    summary: summary[d.indication],
    tone: TONE[d.indication],
    signatures: report.signatures.map(signatureWords),
  };
}
