/**
 * Object identifiers of the JPKI profile (J-LIS arc 1.2.392.200149.8.5).
 *
 * Sources: the design notes, J-LIS' published profile as quoted by several independent readers of
 * real cards (see birthdate.ts for the one place they disagree).
 */

/** Certificate policy of the production signing certificate (署名用電子証明書). */
export const JPKI_SIGNING_POLICY = '1.2.392.200149.8.5.1.1.20';
/** The same policy in J-LIS' test hierarchy (試験用カード): nothing else differs. */
export const JPKI_TEST_SIGNING_POLICY = '1.2.392.200149.8.5.1.0.20';
/**
 * Certificate policy of the production user-authentication certificate (利用者証明用電子証明書).
 * Only one public source names it (a jsrsasign OID table: "jpki-cp-auth-class30"); no test-hierarchy
 * equivalent is published, so none is defined here.
 */
export const JPKI_AUTH_POLICY = '1.2.392.200149.8.5.1.3.30';

/** Basic-4 facts, each a subjectAltName otherName whose value is `[0] EXPLICIT UTF8String`. */
export const BASIC4_OID = {
  name: '1.2.392.200149.8.5.5.1',
  nameFlags: '1.2.392.200149.8.5.5.2',
  gender: '1.2.392.200149.8.5.5.3',
  dateOfBirth: '1.2.392.200149.8.5.5.4',
  address: '1.2.392.200149.8.5.5.5',
  addressFlags: '1.2.392.200149.8.5.5.6',
} as const;

/** Standard identifiers the profile checks use. */
export const OID = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  sha256: '2.16.840.1.101.3.4.2.1',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  certificatePolicies: '2.5.29.32',
} as const;
