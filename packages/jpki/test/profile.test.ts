import { describe, expect, it } from 'vitest';
import { basic4OtherNames, checkJpkiSigningCertificate, JPKI_SIGNING_POLICY, JPKI_TEST_SIGNING_POLICY } from '../src/index.js';
import { der, keyUsageExt, makeCert, policiesExt, sanExt } from './make-cert.js';

const facts = sanExt(basic4OtherNames({ name: '鈴木　一郎', gender: 'MALE', dateOfBirth: '1955-07-15', address: '神奈川県横浜市中区架空通４－５－６' }));
const signingKu = () => keyUsageExt(0xc0, 6); // digitalSignature + nonRepudiation
const codes = (c: ReturnType<typeof checkJpkiSigningCertificate>) => c.problems.map((p) => p.code);

describe('checkJpkiSigningCertificate', () => {
  it('accepts a production-profile signing certificate', async () => {
    const check = checkJpkiSigningCertificate(der(await makeCert({ extensions: [signingKu(), policiesExt([JPKI_SIGNING_POLICY]), facts] })));
    expect(check).toEqual({ ok: true, problems: [], testHierarchy: false });
  });

  it('accepts the test hierarchy only when allowed', async () => {
    const cert = await makeCert({ extensions: [signingKu(), policiesExt([JPKI_TEST_SIGNING_POLICY]), facts] });
    expect(codes(checkJpkiSigningCertificate(cert))).toEqual(['TEST_HIERARCHY']);
    expect(checkJpkiSigningCertificate(cert, { allowTestHierarchy: true })).toEqual({ ok: true, problems: [], testHierarchy: true });
  });

  it('refuses an authentication-style certificate with every reason', async () => {
    const auth = await makeCert({ extensions: [keyUsageExt(0x80, 7)] });
    expect(codes(checkJpkiSigningCertificate(auth, { allowTestHierarchy: true }))).toEqual(['KEY_USAGE_BITS', 'POLICY_MISSING', 'NO_BASIC4_FACTS']);
    expect(checkJpkiSigningCertificate(auth).problems[0]?.message).toContain('nonRepudiation');
  });

  it('wants keyUsage present and critical', async () => {
    expect(codes(checkJpkiSigningCertificate(await makeCert({ extensions: [policiesExt([JPKI_SIGNING_POLICY]), facts] })))).toEqual(['KEY_USAGE_MISSING']);
    expect(codes(checkJpkiSigningCertificate(await makeCert({ extensions: [keyUsageExt(0xc0, 6, false), policiesExt([JPKI_SIGNING_POLICY]), facts] })))).toEqual(['KEY_USAGE_NOT_CRITICAL']);
  });

  it('wants RSA of 2048 bits or more, signed with sha256WithRSA', async () => {
    const ext = () => [signingKu(), policiesExt([JPKI_SIGNING_POLICY]), facts];
    expect(codes(checkJpkiSigningCertificate(await makeCert({ extensions: ext(), key: 'rsa1024' })))).toEqual(['KEY_TOO_SHORT']);
    expect(codes(checkJpkiSigningCertificate(await makeCert({ extensions: ext(), hash: 'SHA-1' })))).toEqual(['SIGNATURE_ALGORITHM']);
    expect(codes(checkJpkiSigningCertificate(await makeCert({ extensions: ext(), key: 'ec' })))).toEqual(['KEY_NOT_RSA', 'SIGNATURE_ALGORITHM']);
  });

  it('reports malformed facts as a problem rather than throwing', async () => {
    const partial = sanExt(basic4OtherNames({ name: '鈴木　一郎', gender: 'MALE', dateOfBirth: '1955-07-15', address: 'x' }).slice(0, 2));
    const check = checkJpkiSigningCertificate(await makeCert({ extensions: [signingKu(), policiesExt([JPKI_SIGNING_POLICY]), partial] }));
    expect(codes(check)).toEqual(['BASIC4_MALFORMED']);
  });
});
