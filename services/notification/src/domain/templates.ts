import type { Language } from './tenant-config.js';
import type { Contact, Notice, Role } from './notice.js';

/** The words of every message, in Japanese and English. */

export interface Message {
  subject: string;
  text: string;
}

/** Who reads it: a party of the contract, or the tenant's own staff (e-mail or LINE). */
export type Audience = { kind: 'party'; party: Contact } | { kind: 'operator' };

export interface MessageContext {
  contractId: string;
  title?: string;
  deadline?: Date;
  /** Already filled in with the contract id. */
  link?: string;
  /** Roles of the parties by id, to name who did what without naming the person. */
  roles: Map<string, Role>;
}

const ROLE_WORDS: Record<Language, Record<Role, string>> = {
  ja: {
    BORROWER: '借主（主債務者）',
    CO_BORROWER: '連帯債務者',
    GUARANTOR: '保証人',
    LENDER: '貸主（金融機関）',
    TENANT: '借主（賃借人）',
    LANDLORD: '貸主（賃貸人）',
    LICENSED_AGENT: '宅地建物取引士',
    AGENCY: '宅地建物取引業者',
    OTHER: '関係者',
  },
  en: {
    BORROWER: 'borrower',
    CO_BORROWER: 'co-borrower',
    GUARANTOR: 'guarantor',
    LENDER: 'lender',
    TENANT: 'tenant',
    LANDLORD: 'landlord',
    LICENSED_AGENT: 'licensed real-estate agent',
    AGENCY: 'real-estate agency',
    OTHER: 'party',
  },
};

export function roleWord(language: Language, role: Role): string {
  return ROLE_WORDS[language][role];
}

/** The sub-indication the verification service gives a signature made with someone else's card. */
const SIGNER_FACTS_MISMATCH = 'SIGNER_FACTS_MISMATCH';

const FACT_WORDS: Record<Language, Record<string, string>> = {
  ja: { name: '氏名', dateOfBirth: '生年月日', address: '住所', gender: '性別' },
  en: { name: 'name', dateOfBirth: 'date of birth', address: 'address', gender: 'gender' },
};

/** Which facts differed, by name (氏名・生年月日 / name and date of birth); unknown names as they are. */
function factWords(language: Language, facts: string[]): string {
  const words = facts.map((f) => FACT_WORDS[language][f] ?? f);
  if (language === 'ja') return words.join('・');
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

/** Why a signature failed when it is not the party's: the facts that differ, never their values. */
function mismatchWords(language: Language, notice: Extract<Notice, { kind: 'verification_failed' }>): string[] {
  if (notice.subIndication !== SIGNER_FACTS_MISMATCH) return [];
  const facts = notice.differingFacts;
  if (language === 'ja') {
    return facts.length > 0
      ? [`理由: 署名に使われた電子証明書の${factWords('ja', facts)}が、契約で署名者として予定された方の情報と一致しません。別の方のカードで署名された可能性があります。`]
      : ['理由: 署名に使われた電子証明書に基本4情報がありません。公的個人認証の署名用電子証明書による署名ではありません。'];
  }
  return facts.length > 0
    ? [`Reason: the ${factWords('en', facts)} in the signer's certificate ${facts.length === 1 ? 'does' : 'do'} not match what the contract expects of the party: the signature may have been made with someone else's card.`]
    : ["Reason: the signer's certificate carries no basic-4 facts: the signature was not made with a JPKI signing certificate."];
}

function dateWords(language: Language, date: Date): string {
  return language === 'ja'
    ? date.toLocaleString('ja-JP', { timeZone: 'Asia/Tokyo', dateStyle: 'long', timeStyle: 'short' })
    : `${date.toLocaleString('en-GB', { timeZone: 'Asia/Tokyo', dateStyle: 'long', timeStyle: 'short' })} (Japan time)`;
}

interface Words {
  title(ctx: MessageContext): string;
  greeting(audience: Audience): string;
  who(ctx: MessageContext, partyId: string): string;
  subject: Record<Notice['kind'], (title: string) => string>;
  body(notice: Notice, ctx: MessageContext, audience: Audience): string[];
  footer(ctx: MessageContext): string[];
}

const ja: Words = {
  title: (ctx) => ctx.title || `契約 ${ctx.contractId}`,
  greeting: (a) => (a.kind === 'party' ? `${roleWord('ja', a.party.role)} 様` : 'ご担当者様'),
  who: (ctx, partyId) => {
    const role = ctx.roles.get(partyId);
    return role ? `${roleWord('ja', role)}（${partyId}）` : partyId;
  },
  subject: {
    invitation: (t) => `【署名のお願い】${t}`,
    reminder: (t) => `【署名期限のお知らせ】${t}`,
    declined: (t) => `【署名辞退】${t}`,
    voided: (t) => `【契約取消】${t}`,
    expired: (t) => `【期限切れ】${t}`,
    completed: (t) => `【締結完了】${t}`,
    signature_failed: (t) => `【署名エラー】${t}`,
    verification_failed: (t) => `【署名検証エラー】${t}`,
    certificate_status_changed: (t) => `【電子証明書の状態変更】${t}`,
  },
  body(notice, ctx, audience) {
    const t = `「${ja.title(ctx)}」`;
    switch (notice.kind) {
      case 'invitation':
        return audience.kind === 'party'
          ? [
              `${t}への電子署名をお願いいたします。`,
              'マイナンバーカードと署名用電子証明書のパスワード（英数字6〜16文字）をご用意のうえ、お手続きください。',
              ...(ctx.deadline ? [`署名期限: ${dateWords('ja', ctx.deadline)}`] : []),
            ]
          : [`${t}の署名ステップ${notice.stepIndex + 1}が始まりました。`];
      case 'reminder': {
        const deadline = notice.deadline ?? ctx.deadline;
        return audience.kind === 'party'
          ? [
              `${t}への電子署名がまだ済んでいません。`,
              ...(deadline ? [`署名期限: ${dateWords('ja', deadline)}`, '期限を過ぎると契約は失効します。お早めにお手続きください。'] : []),
            ]
          : [`${t}の署名ステップ${notice.stepIndex + 1}に未署名の方がいます。`];
      }
      case 'declined':
        return [`${t}は${ja.who(ctx, notice.partyId)}により署名を辞退されました。`, ...(notice.comment ? [`理由: ${notice.comment}`] : [])];
      case 'voided':
        return [
          notice.byVerification
            ? `${t}は、署名の検証に合格しなかったため中止されました。これ以上の署名は不要です。`
            : `${t}は取り消されました。これ以上の署名は不要です。`,
          ...(notice.comment ? [`理由: ${notice.comment}`] : []),
        ];
      case 'expired':
        return [`${t}は署名期限までに署名が揃わなかったため、失効しました。`];
      case 'completed':
        return [`${t}の締結が完了しました。すべての署名と押印が済み、長期検証用の情報が付与されています。`];
      case 'signature_failed':
        return audience.kind === 'party'
          ? [`${t}への署名を完了できませんでした。`, `理由: ${notice.message || notice.reason}`, 'お手数ですが、もう一度お手続きください。']
          : [`${ja.who(ctx, notice.partyId)}の署名を完了できませんでした。`, `理由: ${notice.reason}${notice.message ? `（${notice.message}）` : ''}`];
      case 'verification_failed':
        return [
          `${t}の文書 ${notice.documentId} の署名検証が合格しませんでした。契約の進行は止まっています。`,
          `結果: ${notice.indication}${notice.subIndication ? ` / ${notice.subIndication}` : ''}`,
          ...mismatchWords('ja', notice),
        ];
      case 'certificate_status_changed':
        return [
          `${t}の${ja.who(ctx, notice.partyId)}の署名用電子証明書の状態が変わりました（現況確認）。`,
          `状態: ${notice.status}${notice.reason ? `（${notice.reason}）` : ''}`,
        ];
    }
  },
  footer: (ctx) => [
    ...(ctx.link ? [`契約を開く: ${ctx.link}`] : []),
    `契約番号: ${ctx.contractId}`,
    '',
    '※このメッセージは Jitsuin から自動で送信されています。',
  ],
};

const en: Words = {
  title: (ctx) => ctx.title || `contract ${ctx.contractId}`,
  greeting: (a) => (a.kind === 'party' ? `Dear ${roleWord('en', a.party.role)},` : 'Hello,'),
  who: (ctx, partyId) => {
    const role = ctx.roles.get(partyId);
    return role ? `the ${roleWord('en', role)} (${partyId})` : partyId;
  },
  subject: {
    invitation: (t) => `Please sign: ${t}`,
    reminder: (t) => `Reminder, please sign: ${t}`,
    declined: (t) => `Declined: ${t}`,
    voided: (t) => `Voided: ${t}`,
    expired: (t) => `Expired: ${t}`,
    completed: (t) => `Completed: ${t}`,
    signature_failed: (t) => `Signature failed: ${t}`,
    verification_failed: (t) => `Verification failed: ${t}`,
    certificate_status_changed: (t) => `Certificate status changed: ${t}`,
  },
  body(notice, ctx, audience) {
    const t = `"${en.title(ctx)}"`;
    switch (notice.kind) {
      case 'invitation':
        return audience.kind === 'party'
          ? [
              `You are asked to sign ${t} electronically.`,
              'Please have your card with its signing certificate and the signing password (6 to 16 letters and digits) ready.',
              ...(ctx.deadline ? [`Sign by: ${dateWords('en', ctx.deadline)}`] : []),
            ]
          : [`Signing step ${notice.stepIndex + 1} of ${t} has started.`];
      case 'reminder': {
        const deadline = notice.deadline ?? ctx.deadline;
        return audience.kind === 'party'
          ? [
              `You have not yet signed ${t}.`,
              ...(deadline ? [`Sign by: ${dateWords('en', deadline)}`, 'After the deadline the contract expires. Please sign soon.'] : []),
            ]
          : [`Signing step ${notice.stepIndex + 1} of ${t} is still waiting for signatures.`];
      }
      case 'declined':
        return [`${t} was declined by ${en.who(ctx, notice.partyId)}.`, ...(notice.comment ? [`Reason: ${notice.comment}`] : [])];
      case 'voided':
        return [
          notice.byVerification
            ? `${t} was stopped because a signature did not pass verification. No further signatures are needed.`
            : `${t} was voided. No further signatures are needed.`,
          ...(notice.comment ? [`Reason: ${notice.comment}`] : []),
        ];
      case 'expired':
        return [`${t} expired: not every party signed before the deadline.`];
      case 'completed':
        return [`${t} is complete: every signature and seal is in place, with the data for long-term verification.`];
      case 'signature_failed':
        return audience.kind === 'party'
          ? [`Your signature on ${t} could not be completed.`, `Reason: ${notice.message || notice.reason}`, 'Please try again.']
          : [`The signature of ${en.who(ctx, notice.partyId)} could not be completed.`, `Reason: ${notice.reason}${notice.message ? ` (${notice.message})` : ''}`];
      case 'verification_failed':
        return [
          `A signature on document ${notice.documentId} of ${t} did not pass verification. The contract is on hold.`,
          `Result: ${notice.indication}${notice.subIndication ? ` / ${notice.subIndication}` : ''}`,
          ...mismatchWords('en', notice),
        ];
      case 'certificate_status_changed':
        return [
          `The signing certificate of ${en.who(ctx, notice.partyId)} on ${t} changed status (status monitoring).`,
          `Status: ${notice.status}${notice.reason ? ` (${notice.reason})` : ''}`,
        ];
    }
  },
  footer: (ctx) => [
    ...(ctx.link ? [`Open the contract: ${ctx.link}`] : []),
    `Contract: ${ctx.contractId}`,
    '',
    'This message was sent automatically by Jitsuin.',
  ],
};

const WORDS: Record<Language, Words> = { ja, en };

/** An e-mail: subject, then greeting, what happened, and where to go. */
export function renderEmail(language: Language, notice: Notice, ctx: MessageContext, audience: Audience): Message {
  const w = WORDS[language];
  return {
    subject: w.subject[notice.kind](w.title(ctx)),
    text: [w.greeting(audience), '', ...w.body(notice, ctx, audience), '', ...w.footer(ctx)].join('\n'),
  };
}

/** A chat message (LINE): the subject as its first line, no greeting. */
export function renderChat(language: Language, notice: Notice, ctx: MessageContext): Message {
  const w = WORDS[language];
  const subject = w.subject[notice.kind](w.title(ctx));
  const audience: Audience = { kind: 'operator' };
  const lines = [subject, ...w.body(notice, ctx, audience), ...(ctx.link ? [ctx.link] : []), `${language === 'ja' ? '契約番号' : 'Contract'}: ${ctx.contractId}`];
  return { subject, text: lines.join('\n') };
}
