import type { Gender } from './facts.js';

const DASHES = /[\u2010-\u2015\u2212\u2500\uFE58\uFE63\uFF0D]/g;
// A long-vowel mark between digits is a dash typed on a Japanese keyboard (１ー２ー３).
const CHOON_BETWEEN_DIGITS = /(?<=\d)\u30FC(?=\d)/g;

/**
 * Text of a fact reduced to what matters when comparing: NFKC (full-width letters and digits to
 * half-width, half-width katakana to full-width, U+3000 to a space), every dash to '-', Latin
 * upper case, and no whitespace at all (Japanese names and addresses are written with or without
 * the space between surname and given name, or between address parts).
 */
export function normalizeFact(value: string): string {
  return value.normalize('NFKC').replace(DASHES, '-').replace(CHOON_BETWEEN_DIGITS, '-').replace(/\s+/gu, '').toUpperCase();
}

const ERA_BASE: Record<string, number> = { 明治: 1867, 大正: 1911, 昭和: 1925, 平成: 1988, 令和: 2018 };

/** A date of birth as `YYYY-MM-DD`, from ISO, slashed, compact or Japanese-era forms (昭和55年4月1日). */
export function normalizeDate(value: string): string | undefined {
  const v = normalizeFact(value);
  const era = /^(明治|大正|昭和|平成|令和)(\d{1,2}|元)年(\d{1,2})月(\d{1,2})日?$/.exec(v);
  if (era) {
    const [, name, year, m, d] = era as unknown as [string, string, string, string, string];
    const y = (ERA_BASE[name] ?? 0) + (year === '元' ? 1 : Number(year));
    return `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
  }
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(v) ?? /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(v);
  if (!m) return undefined;
  const [, y, mo, d] = m as unknown as [string, string, string, string];
  return `${y}-${mo.padStart(2, '0')}-${d.padStart(2, '0')}`;
}

const GENDERS: Record<string, Gender> = {
  MALE: 'MALE', M: 'MALE', '1': 'MALE', 男: 'MALE', 男性: 'MALE',
  FEMALE: 'FEMALE', F: 'FEMALE', '2': 'FEMALE', 女: 'FEMALE', 女性: 'FEMALE',
  UNKNOWN: 'UNKNOWN', '3': 'UNKNOWN', 不明: 'UNKNOWN',
};

export function normalizeGender(value: string): Gender | undefined {
  return GENDERS[normalizeFact(value)];
}
