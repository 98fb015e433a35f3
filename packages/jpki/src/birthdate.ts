import { invalidArgument } from '@jitsuin/errors';

/**
 * The date of birth in a JPKI signing certificate (otherName 1.2.392.200149.8.5.5.4) is
 * `EYYYYMMDD`: E is the era of the birth date and YYYYMMDD is the **Gregorian** date, not the
 * year within the era. E: 1 明治 (Meiji), 2 大正 (Taisho), 3 昭和 (Showa), 4 平成 (Heisei),
 * 5 令和 (Reiwa), 0 不明 (unknown).
 *
 * Sources agree on that shape: J-LIS' profile as quoted in a public write-up of a real card
 * ("EYYYYMMDD E=1:明治、2:大正、3:昭和、4:平成、5:令和、0:不明"), a reader built against a J-LIS
 * test card (`319800217` is 1980-02-17, which is 昭和55年, so YYYY is Gregorian), and test fixtures
 * elsewhere (`419900102`: 平成, 1990). Sources disagree elsewhere: one reader maps .5.5.2 to the
 * birth date and .5.5.4 to the address (a card contradicts it), one calls .5.5.6 a "17-digit
 * auxiliary number" (the card shows one flag per address character), and one reads the gender as
 * JIS X 0303 with 9 for "not applicable" where J-LIS says 3 for unknown (gender.ts accepts both).
 *
 * So the era digit is redundant with the date: it is read and exposed, never used to shift the year.
 * A month or day of 00 (a partly unknown date on the resident register) is passed through as 00,
 * never guessed.
 */
export type BirthEra = 'MEIJI' | 'TAISHO' | 'SHOWA' | 'HEISEI' | 'REIWA' | 'UNKNOWN';

const ERA_CODES: Record<string, BirthEra> = {
  '0': 'UNKNOWN',
  '1': 'MEIJI',
  '2': 'TAISHO',
  '3': 'SHOWA',
  '4': 'HEISEI',
  '5': 'REIWA',
};

/** First day of each era (Gregorian), newest first. */
const ERA_STARTS: [string, BirthEra, string][] = [
  ['2019-05-01', 'REIWA', '5'],
  ['1989-01-08', 'HEISEI', '4'],
  ['1926-12-25', 'SHOWA', '3'],
  ['1912-07-30', 'TAISHO', '2'],
  ['1868-10-23', 'MEIJI', '1'],
];

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function checkDate(year: number, month: number, day: number): boolean {
  if (month > 12 || day > 31) return false;
  if (month === 0 || day === 0) return month !== 0 || day === 0; // 00 parts: unknown, never guessed
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** The era a Gregorian date (`YYYY-MM-DD`) falls in. */
export function eraOf(date: string): BirthEra {
  return eraCodeOf(date)[1];
}

function eraCodeOf(date: string): [string, BirthEra] {
  for (const [start, era, code] of ERA_STARTS) if (date >= start) return [code, era];
  return ['0', 'UNKNOWN'];
}

/** `EYYYYMMDD` → `{ date: 'YYYY-MM-DD', era }`. Errors never quote the value (it is personal data). */
export function decodeJpkiBirthDate(value: string): { date: string; era: BirthEra } {
  const m = /^([0-5])(\d{4})(\d{2})(\d{2})$/.exec(value);
  if (!m) throw invalidArgument('the date of birth in the certificate is not in the JPKI form EYYYYMMDD');
  const [, e, y, mo, d] = m as unknown as [string, string, string, string, string];
  if (!checkDate(Number(y), Number(mo), Number(d))) {
    throw invalidArgument('the date of birth in the certificate is not a calendar date');
  }
  return { date: `${y}-${mo}-${d}`, era: ERA_CODES[e] ?? 'UNKNOWN' };
}

/** `YYYY-MM-DD` → `EYYYYMMDD`, the era code derived from the date. */
export function encodeJpkiBirthDate(date: string): string {
  const m = ISO_DATE.exec(date);
  if (!m || !checkDate(Number(m[1]), Number(m[2]), Number(m[3]))) {
    throw invalidArgument('a date of birth must be a calendar date written YYYY-MM-DD');
  }
  return `${eraCodeOf(date)[0]}${m[1]}${m[2]}${m[3]}`;
}
