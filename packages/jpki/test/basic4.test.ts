import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { describe, expect, it } from 'vitest';
import { type Basic4Facts, BASIC4_OID, basic4OtherNames, readBasic4Facts, Utf8OtherName } from '../src/index.js';
import { der, makeCert, sanExt } from './make-cert.js';

const TARO: Basic4Facts = { name: '山田　太郎', gender: 'MALE', dateOfBirth: '1980-04-01', address: '東京都千代田区架空町１－２－３' };

describe('basic-4 facts in subjectAltName', () => {
  it('round-trips through a certificate, DER or parsed', async () => {
    const cert = await makeCert({ extensions: [sanExt(basic4OtherNames(TARO))] });
    const expected = { ...TARO, nameFlags: '00000', addressFlags: '0'.repeat(15), dateOfBirthEra: 'SHOWA' };
    expect(readBasic4Facts(cert)).toEqual(expected);
    expect(readBasic4Facts(der(cert))).toEqual(expected);
  });

  it('writes each value as [0] EXPLICIT UTF8String, in the order real cards have (1, 4, 3, 5, 2, 6)', () => {
    const names = basic4OtherNames(TARO);
    expect(names.map((n) => n.typeId)).toEqual([BASIC4_OID.name, BASIC4_OID.dateOfBirth, BASIC4_OID.gender, BASIC4_OID.address, BASIC4_OID.nameFlags, BASIC4_OID.addressFlags]);
    expect(names.map((n) => n.text)).toEqual(['山田　太郎', '319800401', '1', TARO.address, '00000', '0'.repeat(15)]);
    const encoded = Buffer.from(new Utf8OtherName(BASIC4_OID.gender, '2').toSchema().toBER());
    // [0] { OID 1.2.392.200149.8.5.5.3, [0] { UTF8String "2" } }
    expect(encoded.toString('hex')).toBe('a011060a2a83088c9b5508050503a0030c0132');
  });

  it('keeps given substitute-character flags', async () => {
    const facts: Basic4Facts = { ...TARO, name: '高橋　健', nameFlags: '1000' };
    const cert = await makeCert({ extensions: [sanExt(basic4OtherNames(facts))] });
    expect(readBasic4Facts(cert)?.nameFlags).toBe('1000');
  });

  it('is undefined for a certificate without facts (an authentication certificate)', async () => {
    expect(readBasic4Facts(await makeCert({ extensions: [] }))).toBeUndefined();
    const dnsOnly = await makeCert({ extensions: [sanExt([new pkijs.GeneralName({ type: 2, value: 'example.test' })])] });
    expect(readBasic4Facts(dnsOnly)).toBeUndefined();
  });

  it('ignores otherNames it has no codec for', async () => {
    const cert = await makeCert({ extensions: [sanExt([...basic4OtherNames(TARO), new Utf8OtherName('1.2.392.200149.8.5.5.99', 'x')])] });
    expect(readBasic4Facts(cert)?.name).toBe(TARO.name);
  });

  it('names what is missing or malformed, never the values', async () => {
    const noGender = basic4OtherNames(TARO).filter((n) => n.typeId !== BASIC4_OID.gender);
    await expect(makeCert({ extensions: [sanExt(noGender)] }).then(readBasic4Facts)).rejects.toThrow('incomplete basic-4 facts: no gender');

    const twice = [...basic4OtherNames(TARO), new Utf8OtherName(BASIC4_OID.name, '山田　次郎')];
    await expect(makeCert({ extensions: [sanExt(twice)] }).then(readBasic4Facts)).rejects.toThrow('carries the name twice');

    const badDate = basic4OtherNames(TARO).map((n) => (n.typeId === BASIC4_OID.dateOfBirth ? new Utf8OtherName(n.typeId, '1980-04-01') : n));
    const err = await makeCert({ extensions: [sanExt(badDate)] }).then(readBasic4Facts).catch((e: Error) => e);
    expect(err).toMatchObject({ kind: 'INVALID_ARGUMENT' });
    expect((err as Error).message).not.toContain('1980');

    const badGender = basic4OtherNames(TARO).map((n) => (n.typeId === BASIC4_OID.gender ? new Utf8OtherName(n.typeId, 'M') : n));
    await expect(makeCert({ extensions: [sanExt(badGender)] }).then(readBasic4Facts)).rejects.toThrow(/gender/);
  });

  it('reads 3 and the JIS X 0303 codes 0 and 9 as UNKNOWN gender', async () => {
    for (const code of ['3', '0', '9']) {
      const names = basic4OtherNames(TARO).map((n) => (n.typeId === BASIC4_OID.gender ? new Utf8OtherName(n.typeId, code) : n));
      expect(readBasic4Facts(await makeCert({ extensions: [sanExt(names)] }))?.gender).toBe('UNKNOWN');
    }
    expect(basic4OtherNames({ ...TARO, gender: 'UNKNOWN' }).find((n) => n.typeId === BASIC4_OID.gender)?.text).toBe('3');
  });

  it('refuses bytes that are not a certificate', () => {
    expect(() => readBasic4Facts(new Uint8Array([1, 2, 3]))).toThrow(expect.objectContaining({ kind: 'INVALID_ARGUMENT' }));
    expect(() => readBasic4Facts(new Uint8Array(new asn1js.Integer({ value: 1 }).toBER()))).toThrow(/not an X.509 certificate/);
  });
});
