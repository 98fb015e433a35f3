import type { Basic4Facts } from '@jitsuin/jpki';

/**
 * The sample people of the test PKI. All fictitious (架空 = "fictitious" in every address), shaped
 * like real JPKI data: full-width space in names, full-width digits and dashes in addresses, one
 * substitute character (髙 is outside JIS levels 1–2, so the certificate says 高 and flags it).
 */
export interface PersonSpec {
  id: string;
  role: string;
  roleJa: string;
  facts: Basic4Facts;
  prefecture: string;
  city: string;
  /** Root generation that issued the cards (1 = older): verifiers must pick the root by key id. */
  generation: 1 | 2;
  /** Name as on the resident register when the certificate had to use a substitute character. */
  registerName?: string;
}

export const SAMPLE_PEOPLE: PersonSpec[] = [
  {
    id: 'yamada-taro',
    role: 'borrower',
    roleJa: '借主（主債務者）',
    facts: { name: '山田　太郎', gender: 'MALE', dateOfBirth: '1980-04-01', address: '東京都千代田区架空町１－２－３' },
    prefecture: '東京都',
    city: '千代田区',
    generation: 2,
  },
  {
    id: 'yamada-hanako',
    role: 'co-borrower',
    roleJa: '連帯債務者',
    facts: { name: '山田　花子', gender: 'FEMALE', dateOfBirth: '1982-11-23', address: '東京都千代田区架空町１－２－３' },
    prefecture: '東京都',
    city: '千代田区',
    generation: 2,
  },
  {
    id: 'suzuki-ichiro',
    role: 'guarantor',
    roleJa: '連帯保証人',
    facts: { name: '鈴木　一郎', gender: 'MALE', dateOfBirth: '1955-07-15', address: '神奈川県横浜市中区架空通４－５－６' },
    prefecture: '神奈川県',
    city: '横浜市',
    generation: 1,
  },
  {
    id: 'sato-misaki',
    role: 'tenant',
    roleJa: '借主（賃借人）',
    facts: { name: '佐藤　美咲', gender: 'FEMALE', dateOfBirth: '1995-03-10', address: '大阪府大阪市北区架空台７－８－９０１' },
    prefecture: '大阪府',
    city: '大阪市',
    generation: 2,
  },
  {
    id: 'takahashi-ken',
    role: 'landlord',
    roleJa: '貸主（賃貸人）',
    facts: { name: '高橋　健', nameFlags: '1000', gender: 'MALE', dateOfBirth: '1948-01-05', address: '京都府京都市左京区架空山１０' },
    prefecture: '京都府',
    city: '京都市',
    generation: 2,
    registerName: '髙橋　健',
  },
  {
    id: 'ito-sakura',
    role: 'licensed-agent',
    roleJa: '宅地建物取引士',
    facts: { name: '伊藤　さくら', gender: 'FEMALE', dateOfBirth: '1990-06-30', address: '埼玉県さいたま市浦和区架空坂１１－１２' },
    prefecture: '埼玉県',
    city: 'さいたま市',
    generation: 2,
  },
];

export interface SealSpec {
  id: string;
  role: string;
  organisation: string;
  unit: string;
}

export const SAMPLE_SEALS: SealSpec[] = [
  { id: 'lender', role: 'lender (bank)', organisation: '架空銀行株式会社', unit: '住宅ローン部' },
  { id: 'agency', role: 'real-estate agency', organisation: '架空不動産株式会社', unit: '賃貸管理部' },
  // The platform's own key: it seals the evidence packages auditors download.
  { id: 'platform', role: 'platform (evidence seal)', organisation: 'Jitsuin 電子契約基盤', unit: '証跡管理' },
];
