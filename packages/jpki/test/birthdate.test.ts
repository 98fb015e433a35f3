import { describe, expect, it } from 'vitest';
import { decodeJpkiBirthDate, encodeJpkiBirthDate, eraOf } from '../src/index.js';

describe('JPKI date of birth (EYYYYMMDD)', () => {
  it('reads the era digit and a Gregorian date', () => {
    expect(decodeJpkiBirthDate('319800217')).toEqual({ date: '1980-02-17', era: 'SHOWA' });
    expect(decodeJpkiBirthDate('419900102')).toEqual({ date: '1990-01-02', era: 'HEISEI' });
    expect(decodeJpkiBirthDate('520200301')).toEqual({ date: '2020-03-01', era: 'REIWA' });
    expect(decodeJpkiBirthDate('119100101')).toEqual({ date: '1910-01-01', era: 'MEIJI' });
    expect(decodeJpkiBirthDate('219200101')).toEqual({ date: '1920-01-01', era: 'TAISHO' });
    expect(decodeJpkiBirthDate('019800401')).toEqual({ date: '1980-04-01', era: 'UNKNOWN' });
  });

  it('never shifts the year by the era: the digits are the date', () => {
    // Era digit that does not fit the date: the date stands as written.
    expect(decodeJpkiBirthDate('519800401').date).toBe('1980-04-01');
  });

  it('passes a partly unknown date through as 00, never guessing', () => {
    expect(decodeJpkiBirthDate('319800000').date).toBe('1980-00-00');
    expect(decodeJpkiBirthDate('319800400').date).toBe('1980-04-00');
    expect(() => decodeJpkiBirthDate('319800015')).toThrow(/not a calendar date/);
  });

  it('refuses what is not EYYYYMMDD, without quoting the value', () => {
    for (const bad of ['19800401', '6198004011', '619800401', '319801301', '319800230', 'S19800401', '']) {
      expect(() => decodeJpkiBirthDate(bad)).toThrow(expect.objectContaining({ kind: 'INVALID_ARGUMENT' }));
    }
    try {
      decodeJpkiBirthDate('319801301');
    } catch (err) {
      expect(String((err as Error).message)).not.toContain('1980');
    }
  });

  it('derives the era digit from the date at the era boundaries', () => {
    expect(encodeJpkiBirthDate('1926-12-24')).toBe('219261224');
    expect(encodeJpkiBirthDate('1926-12-25')).toBe('319261225');
    expect(encodeJpkiBirthDate('1989-01-07')).toBe('319890107');
    expect(encodeJpkiBirthDate('1989-01-08')).toBe('419890108');
    expect(encodeJpkiBirthDate('2019-04-30')).toBe('420190430');
    expect(encodeJpkiBirthDate('2019-05-01')).toBe('520190501');
    expect(eraOf('1868-01-01')).toBe('UNKNOWN');
    expect(() => encodeJpkiBirthDate('1980/04/01')).toThrow(/YYYY-MM-DD/);
    expect(() => encodeJpkiBirthDate('1980-02-30')).toThrow();
  });

  it('round-trips', () => {
    for (const d of ['1955-07-15', '2000-02-29', '1948-01-05']) expect(decodeJpkiBirthDate(encodeJpkiBirthDate(d)).date).toBe(d);
  });
});
