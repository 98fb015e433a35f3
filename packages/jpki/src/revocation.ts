/**
 * What a JPKI certificate's revocation means for the person (the table lenders need, from the
 * design notes). The signing certificate's reason alone is ambiguous for affiliationChanged:
 * J-LIS revokes the signing certificate when any basic-4 fact changes, and both certificates when
 * the person leaves the resident register, so the authentication certificate's status decides.
 */

export type CertStatus = 'good' | 'revoked' | 'unknown';

/** RFC 5280 CRLReason names (as OCSP and CRLs give them). */
export type RevocationReason =
  | 'unspecified'
  | 'keyCompromise'
  | 'cACompromise'
  | 'affiliationChanged'
  | 'superseded'
  | 'cessationOfOperation'
  | 'certificateHold'
  | 'removeFromCRL'
  | 'privilegeWithdrawn'
  | 'aACompromise';

/** RFC 5280 reason codes, index = code (7 is unused). */
export const REVOCATION_REASON_CODES: Record<RevocationReason, number> = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
};

export function revocationReasonFromCode(code: number): RevocationReason | undefined {
  return (Object.keys(REVOCATION_REASON_CODES) as RevocationReason[]).find((r) => REVOCATION_REASON_CODES[r] === code);
}

export interface CertState {
  status: CertStatus;
  reason?: RevocationReason;
}

export type RevocationMeaningCode =
  | 'ALIVE'
  | 'FACTS_CHANGED'
  | 'REMOVED_FROM_REGISTER'
  | 'FACTS_CHANGED_OR_REMOVED'
  | 'REVOCATION_REQUESTED'
  | 'RENEWED'
  | 'CARD_LOST_OR_STOLEN'
  | 'KEY_COMPROMISED'
  | 'REVOKED_OTHER'
  | 'STATUS_UNKNOWN';

export interface RevocationMeaning {
  code: RevocationMeaningCode;
  ja: string;
  en: string;
}

const MEANINGS: Record<RevocationMeaningCode, Omit<RevocationMeaning, 'code'>> = {
  ALIVE: {
    ja: '署名用電子証明書は有効です。基本4情報（氏名・住所・生年月日・性別）に変更はありません。',
    en: 'The signing certificate is valid: the person is alive and their basic-4 facts (name, address, date of birth, gender) are unchanged.',
  },
  FACTS_CHANGED: {
    ja: '氏名・住所などの基本4情報が変更されたため、署名用電子証明書が失効しました。',
    en: 'A basic-4 fact (name, address, date of birth or gender) changed, so the signing certificate was revoked.',
  },
  REMOVED_FROM_REGISTER: {
    ja: '住民基本台帳から消除されました（死亡または国外転出）。',
    en: 'The person was removed from the resident register: death or emigration.',
  },
  FACTS_CHANGED_OR_REMOVED: {
    ja: '基本4情報の変更、または住民基本台帳からの消除（死亡・国外転出）により失効しました。利用者証明用電子証明書の状態を確認すると区別できます。',
    en: 'A basic-4 fact changed, or the person was removed from the resident register (death or emigration); the authentication certificate\'s status tells which.',
  },
  REVOCATION_REQUESTED: {
    ja: '本人の申請により失効しました（カードの紛失・返納、または国外転出）。',
    en: 'Revoked at the person\'s request: card lost or returned, or emigration.',
  },
  RENEWED: {
    ja: '電子証明書が更新されました（カードの再発行または更新）。新しい証明書で本人確認できます。',
    en: 'The certificate was renewed (new card or renewal); the person holds a newer certificate.',
  },
  CARD_LOST_OR_STOLEN: {
    ja: 'カードの紛失・盗難による一時保留です（JPKIでは解除されません）。',
    en: 'On hold because the card was lost or stolen (JPKI never releases a hold).',
  },
  KEY_COMPROMISED: {
    ja: '秘密鍵の危殆化により失効しました。',
    en: 'Revoked because the private key was compromised.',
  },
  REVOKED_OTHER: {
    ja: '失効しています（JPKIの失効理由表にない理由です）。',
    en: 'Revoked, for a reason outside the JPKI reason table.',
  },
  STATUS_UNKNOWN: {
    ja: '署名用電子証明書の失効情報を確認できませんでした。',
    en: 'The signing certificate\'s revocation status could not be determined.',
  },
};

function meaning(code: RevocationMeaningCode): RevocationMeaning {
  return { code, ...MEANINGS[code] };
}

/** What the statuses of a person's signing (and, when known, authentication) certificate mean. */
export function revocationMeaning(state: { signing: CertState; auth?: CertState }): RevocationMeaning {
  const { signing, auth } = state;
  if (signing.status === 'unknown') return meaning('STATUS_UNKNOWN');
  if (signing.status === 'good') return meaning('ALIVE');
  switch (signing.reason) {
    case 'affiliationChanged':
      if (auth?.status === 'good') return meaning('FACTS_CHANGED');
      if (auth?.status === 'revoked') return meaning('REMOVED_FROM_REGISTER');
      return meaning('FACTS_CHANGED_OR_REMOVED');
    case 'cessationOfOperation':
      return meaning('REVOCATION_REQUESTED');
    case 'superseded':
      return meaning('RENEWED');
    case 'certificateHold':
      return meaning('CARD_LOST_OR_STOLEN');
    case 'keyCompromise':
      return meaning('KEY_COMPROMISED');
    default:
      return meaning('REVOKED_OTHER');
  }
}
