import { describe, expect, it } from 'vitest';
import {
  addressPolicyOf,
  type Basic4Facts,
  BASIC4_OID,
  basic4OtherNames,
  canonicalKanji,
  type ExpectedFacts,
  matchFacts,
  readBasic4Facts,
  Utf8OtherName,
} from '../src/index.js';
import { makeCert, sanExt } from './make-cert.js';

// As the test PKI's cards write them: full-width space, full-width digits and dashes.
const TARO: Basic4Facts = { name: '山田　太郎', gender: 'MALE', dateOfBirth: '1980-04-01', address: '東京都千代田区架空町１－２－３' };
// 髙 is outside JIS levels 1–2: the certificate writes 高 and flags it.
const KEN: Basic4Facts = { name: '高橋　健', nameFlags: '1000', gender: 'MALE', dateOfBirth: '1948-01-05', address: '京都府京都市左京区架空山１０' };

describe('matchFacts: the name', () => {
  it.each([
    ['the same writing', '山田　太郎'],
    ['an ASCII space', '山田 太郎'],
    ['no space', '山田太郎'],
    ['a run of spaces of both kinds', '山田 　  太郎'],
    ['spaces around it', ' 山田　太郎　'],
  ])('agrees with %s', (_, name) => {
    expect(matchFacts({ name }, TARO)).toEqual({ matches: true, compared: ['name'], differing: [], substituted: [], addressPolicy: 'exact' });
  });

  it.each([
    ['half-width katakana', { name: 'ﾔﾏﾀﾞ ﾀﾛｳ' }, { name: 'ヤマダ　タロウ' }],
    ['full-width Latin letters', { name: 'smith john' }, { name: 'ＳＭＩＴＨ　ＪＯＨＮ' }],
    ['髙 for 高', { name: '髙田　一' }, { name: '高田　一' }],
    ['﨑 for 崎', { name: '山﨑　花' }, { name: '山崎　花' }],
    ['邊 for 辺', { name: '渡邊　一' }, { name: '渡辺　一' }],
    ['邉 for 邊', { name: '渡邉　一' }, { name: '渡邊　一' }],
    ['齋 for 斎', { name: '齋藤　一' }, { name: '斎藤　一' }],
    ['齊 for 齋', { name: '齊藤　一' }, { name: '齋藤　一' }],
    ['澤 for 沢', { name: '澤田　一' }, { name: '沢田　一' }],
    ['濱 for 浜', { name: '濱田　一' }, { name: '浜田　一' }],
    ['德 for 徳', { name: '德永　一' }, { name: '徳永　一' }],
  ])('agrees across %s', (_, expected: ExpectedFacts, certificate: Partial<Basic4Facts>) => {
    expect(matchFacts(expected, { ...TARO, ...certificate }).differing).toEqual([]);
  });

  it('tells another person apart', () => {
    expect(matchFacts({ name: '山田　花子' }, TARO)).toMatchObject({ matches: false, differing: ['name'] });
    expect(matchFacts({ name: '山田　太' }, TARO).differing).toEqual(['name']);
    expect(matchFacts({ name: '山口　太郎' }, TARO).differing).toEqual(['name']);
    // Variants fold only within their group.
    expect(matchFacts({ name: '高田　一' }, { ...TARO, name: '島田　一' }).differing).toEqual(['name']);
  });

  it('takes a flagged substitute character as matching any one character there, and says so', () => {
    expect(matchFacts({ name: '髙橋　健' }, KEN)).toMatchObject({ matches: true, substituted: ['name'] });
    // The register's character in the contract is not in the table: the flag still lets it through.
    expect(matchFacts({ name: '𣘺橋　健' }, KEN)).toMatchObject({ matches: true, substituted: ['name'] });
    expect(matchFacts({ name: '高橋 健' }, KEN)).toMatchObject({ matches: true, substituted: ['name'] });
    // Only at the flagged place, and one character for one.
    expect(matchFacts({ name: '髙田　健' }, KEN).differing).toEqual(['name']);
    expect(matchFacts({ name: '髙髙橋　健' }, KEN).differing).toEqual(['name']);
    // Without the flag, no wildcard.
    expect(matchFacts({ name: '𣘺橋　健' }, { ...KEN, nameFlags: '0000' })).toMatchObject({ differing: ['name'], substituted: [] });
    // Flags that do not fit the name are not trusted.
    expect(matchFacts({ name: '𣘺橋　健' }, { ...KEN, nameFlags: '10' }).differing).toEqual(['name']);
  });
});

describe('matchFacts: the date of birth', () => {
  it('is compared whenever the contract gives it, in ISO or a Japanese-era form', () => {
    expect(matchFacts({ name: '山田　太郎', dateOfBirth: '1980-04-01' }, TARO)).toMatchObject({ matches: true, compared: ['name', 'dateOfBirth'] });
    expect(matchFacts({ name: '山田　太郎', dateOfBirth: '昭和55年4月1日' }, TARO).differing).toEqual([]);
    expect(matchFacts({ name: '山田　太郎', dateOfBirth: '1980-04-02' }, TARO).differing).toEqual(['dateOfBirth']);
    expect(matchFacts({ name: '山田　太郎', dateOfBirth: '1981-04-01' }, TARO).differing).toEqual(['dateOfBirth']);
  });

  // Every era code the JPKI writes (birthdate.ts): EYYYYMMDD with the Gregorian year.
  it.each([
    ['1 明治', '118990101', '1899-01-01', '明治32年1月1日'],
    ['2 大正', '219200315', '1920-03-15', '大正9年3月15日'],
    ['3 昭和', '319550715', '1955-07-15', '昭和30年7月15日'],
    ['4 平成', '419890108', '1989-01-08', '平成元年1月8日'],
    ['5 令和', '520190501', '2019-05-01', '令和元年5月1日'],
    ['0 unknown', '019800401', '1980-04-01', '1980/4/1'],
  ])('reads era code %s from a certificate and matches the contract\'s ISO date', async (_, raw, iso, eraWritten) => {
    const names = basic4OtherNames(TARO).map((n) => (n.typeId === BASIC4_OID.dateOfBirth ? new Utf8OtherName(BASIC4_OID.dateOfBirth, raw) : n));
    const facts = readBasic4Facts(await makeCert({ extensions: [sanExt(names)] }))!;
    expect(matchFacts({ name: '山田 太郎', dateOfBirth: iso }, facts).differing).toEqual([]);
    expect(matchFacts({ name: '山田 太郎', dateOfBirth: eraWritten }, facts).differing).toEqual([]);
    const dayAfter = new Date(Date.parse(`${iso}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    expect(matchFacts({ name: '山田 太郎', dateOfBirth: dayAfter }, facts).differing).toEqual(['dateOfBirth']);
  });

  it('refuses a date it cannot read', () => {
    expect(() => matchFacts({ name: '山田　太郎', dateOfBirth: 'soon' }, TARO)).toThrow(expect.objectContaining({ kind: 'INVALID_ARGUMENT' }));
  });
});

describe('matchFacts: the address, per policy', () => {
  const written = '東京都千代田区架空町1-2-3';
  const moved = '東京都千代田区架空町9-9-9';
  const otherWard = '東京都港区架空町1-2-3';

  it('exact (the default): the whole address, however it is written', () => {
    for (const address of [written, '東京都 千代田区 架空町１ー２ー３', '東京都千代田区架空町１－２－３', '東京都千代田区架空町1−2‐3']) {
      expect(matchFacts({ name: '山田太郎', address }, TARO)).toMatchObject({ matches: true, compared: ['name', 'address'], addressPolicy: 'exact' });
    }
    expect(matchFacts({ name: '山田太郎', address: moved }, TARO).differing).toEqual(['address']);
    expect(matchFacts({ name: '山田太郎', address: moved }, TARO, { addressPolicy: 'exact' }).differing).toEqual(['address']);
  });

  it('prefecture-and-city: only the prefecture and the municipality', () => {
    const policy = { addressPolicy: 'prefecture-and-city' } as const;
    expect(matchFacts({ name: '山田太郎', address: moved }, TARO, policy)).toMatchObject({ matches: true, compared: ['name', 'address'] });
    expect(matchFacts({ name: '山田太郎', address: otherWard }, TARO, policy).differing).toEqual(['address']);
    expect(matchFacts({ name: '山田太郎', address: '大阪府千代田区架空町1-2-3' }, TARO, policy).differing).toEqual(['address']);
    // A designated city: the city, whichever ward.
    const ichiro: Basic4Facts = { ...TARO, address: '神奈川県横浜市中区架空通４－５－６' };
    expect(matchFacts({ name: '山田太郎', address: '神奈川県横浜市西区架空台1' }, ichiro, policy).differing).toEqual([]);
    expect(matchFacts({ name: '山田太郎', address: '神奈川県川崎市中区架空通4-5-6' }, ichiro, policy).differing).toEqual(['address']);
    // A town in a county; a city whose name holds 市 (cut the same way on both sides).
    const karuizawa: Basic4Facts = { ...TARO, address: '長野県北佐久郡軽井沢町架空１' };
    expect(matchFacts({ name: '山田太郎', address: '長野県北佐久郡軽井沢町架空2' }, karuizawa, policy).differing).toEqual([]);
    expect(matchFacts({ name: '山田太郎', address: '長野県北佐久郡御代田町架空1' }, karuizawa, policy).differing).toEqual(['address']);
    const yokkaichi: Basic4Facts = { ...TARO, address: '三重県四日市市架空町１' };
    expect(matchFacts({ name: '山田太郎', address: '三重県四日市市架空町2' }, yokkaichi, policy).differing).toEqual([]);
    expect(matchFacts({ name: '山田太郎', address: '三重県津市架空町1' }, yokkaichi, policy).differing).toEqual(['address']);
    // No prefecture to be told: compared whole.
    expect(matchFacts({ name: '山田太郎', address: '千代田区架空町1-2-3' }, TARO, policy).differing).toEqual(['address']);
  });

  it('ignore: not compared at all', () => {
    expect(matchFacts({ name: '山田太郎', address: '大阪府大阪市北区' }, TARO, { addressPolicy: 'ignore' })).toEqual({
      matches: true,
      compared: ['name'],
      differing: [],
      substituted: [],
      addressPolicy: 'ignore',
    });
  });

  it('takes flagged substitutes in the address as wildcards too', () => {
    const flagged: Basic4Facts = { ...TARO, address: '東京都千代田区架空町１', addressFlags: '00000000100' };
    expect(matchFacts({ name: '山田太郎', address: '東京都千代田区架𡋽町1' }, flagged)).toMatchObject({ matches: true, substituted: ['address'] });
    expect(matchFacts({ name: '山田太郎', address: '東京都千代田区架空町2' }, flagged).differing).toEqual(['address']);
  });

  it('reads policies from settings, refusing others', () => {
    expect(addressPolicyOf(' Prefecture-and-City ')).toBe('prefecture-and-city');
    expect(() => addressPolicyOf('city')).toThrow(/exact, prefecture-and-city, ignore/);
  });
});

describe('matchFacts: the gender', () => {
  it('is compared only when the contract expects one', () => {
    expect(matchFacts({ name: '山田太郎' }, { ...TARO, gender: 'FEMALE' })).toMatchObject({ matches: true, compared: ['name'] });
    expect(matchFacts({ name: '山田太郎', gender: 'MALE' }, TARO)).toMatchObject({ matches: true, compared: ['name', 'gender'] });
    expect(matchFacts({ name: '山田太郎', gender: 'FEMALE' }, TARO).differing).toEqual(['gender']);
    expect(() => matchFacts({ name: '山田太郎', gender: 'other' }, TARO)).toThrow(/gender/);
  });
});

describe('matchFacts: the result', () => {
  it('names every differing fact and none of the values', () => {
    const result = matchFacts({ name: '鈴木　一郎', dateOfBirth: '1955-07-15', address: '神奈川県横浜市中区架空通4-5-6', gender: 'MALE' }, TARO);
    expect(result).toEqual({ matches: false, compared: ['name', 'address', 'dateOfBirth', 'gender'], differing: ['name', 'address', 'dateOfBirth'], substituted: [], addressPolicy: 'exact' });
    const text = JSON.stringify(result);
    for (const value of ['山田', '鈴木', '1980', '1955', '千代田', '横浜']) expect(text).not.toContain(value);
  });

  it('keeps its variant table in one place, folding each variant to one form', () => {
    expect(['髙', '﨑', '邊', '邉', '齋', '齊', '澤', '濱', '德'].map(canonicalKanji)).toEqual(['高', '崎', '辺', '辺', '斎', '斎', '沢', '浜', '徳']);
    expect(canonicalKanji('山')).toBe('山');
  });
});
