/** The JPKI certificate profile as code: basic-4 facts, policies, profile checks, revocation meaning. */
export { JPKI_AUTH_POLICY, JPKI_SIGNING_POLICY, JPKI_TEST_SIGNING_POLICY, BASIC4_OID } from './oids.js';
export { ensurePkiEngine } from './engine.js';
export { type CertificateInput, certificateDer, certificateOf, serialHexOf, subjectAttributeOf, toCertificate } from './cert.js';
export type { Basic4Facts, ComparableFact, Gender } from './facts.js';
export { type BirthEra, decodeJpkiBirthDate, encodeJpkiBirthDate, eraOf } from './birthdate.js';
export { type FactCodec, registerFactCodec } from './basic4-codecs.js';
export { basic4OtherNames, readBasic4Facts, Utf8OtherName } from './basic4.js';
export { checkJpkiSigningCertificate, type ProfileCheck, type ProfileProblem, type ProfileProblemCode } from './profile.js';
export {
  type CertState,
  type CertStatus,
  REVOCATION_REASON_CODES,
  type RevocationMeaning,
  type RevocationMeaningCode,
  type RevocationReason,
  revocationMeaning,
  revocationReasonFromCode,
} from './revocation.js';
export { normalizeDate, normalizeFact, normalizeGender } from './normalize.js';
export { ADDRESS_POLICIES, type AddressPolicy, addressPolicyOf, compareFacts, type ExpectedFacts, type FactsMatch, matchFacts } from './match.js';
export { canonicalKanji } from './kanji-variants.js';
