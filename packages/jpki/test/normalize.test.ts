import { describe, expect, it } from 'vitest';
import { type Basic4Facts, compareFacts, normalizeDate, normalizeFact, normalizeGender } from '../src/index.js';

const KEN: Basic4Facts = { name: '高橋　健', nameFlags: '1000', gender: 'MALE', dateOfBirth: '1948-01-05', address: '京都府京都市左京区架空山１０－２' };

describe('normalizeFact', () => {
  it('folds width, spaces, dashes and Latin case', () => {
    expect(normalizeFact('山田　太郎')).toBe(normalizeFact('山田 太郎'));
    expect(normalizeFact('山田　太郎')).toBe(normalizeFact('山田太郎'));
    expect(normalizeFact('東京都千代田区架空町１－２－３')).toBe('東京都千代田区架空町1-2-3');
    expect(normalizeFact('架空町1ー2ー3')).toBe('架空町1-2-3');
    expect(normalizeFact('架空町1−2‐3')).toBe('架空町1-2-3');
    expect(normalizeFact('ｶﾞｰﾃﾞﾝ')).toBe('ガーデン'); // a long-vowel mark in words stays
    expect(normalizeFact('ＳＭＩＴＨ　ｊｏｈｎ')).toBe('SMITHJOHN');
  });

  it('reads dates in the forms contracts use', () => {
    for (const v of ['1980-04-01', '1980/4/1', '19800401', '１９８０年４月１日', '昭和55年4月1日', '1980.04.01']) expect(normalizeDate(v)).toBe('1980-04-01');
    expect(normalizeDate('平成元年1月8日')).toBe('1989-01-08');
    expect(normalizeDate('April 1st')).toBeUndefined();
  });

  it('reads genders', () => {
    expect(normalizeGender('女性')).toBe('FEMALE');
    expect(normalizeGender('male')).toBe('MALE');
    expect(normalizeGender('１')).toBe('MALE');
    expect(normalizeGender('x')).toBeUndefined();
  });
});

describe('compareFacts', () => {
  it('finds nothing different when only the writing differs', () => {
    expect(compareFacts({ name: '高橋 健', address: '京都府京都市左京区架空山10-2', dateOfBirth: '昭和23年1月5日', gender: '男' }, KEN)).toEqual([]);
  });

  it('lets a flagged substitute character match the register\'s character', () => {
    expect(compareFacts({ name: '髙橋　健' }, KEN)).toEqual([]);
    expect(compareFacts({ name: '𣘺橋　健' }, { ...KEN, nameFlags: '0000' })).toEqual(['name']);
    expect(compareFacts({ name: '髙田　健' }, KEN)).toEqual(['name']);
  });

  it('names each differing fact and compares only those expected', () => {
    expect(compareFacts({ name: '高橋　健一', dateOfBirth: '1948-01-06', gender: 'FEMALE', address: '京都府京都市左京区架空山１０－３' }, KEN)).toEqual(['name', 'address', 'dateOfBirth', 'gender']);
    expect(compareFacts({ dateOfBirth: '1948-01-05' }, KEN)).toEqual([]);
    expect(compareFacts({}, KEN)).toEqual([]);
  });

  it('refuses an expectation it cannot read', () => {
    expect(() => compareFacts({ dateOfBirth: 'soon' }, KEN)).toThrow(expect.objectContaining({ kind: 'INVALID_ARGUMENT' }));
    expect(() => compareFacts({ gender: 'other' }, KEN)).toThrow(/gender/);
  });
});
