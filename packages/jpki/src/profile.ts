import { type Certificate, children, DerError, expectTag, readOid, readTlv, TAG } from '@jitsuin/der';
import { JitsuinError } from '@jitsuin/errors';
import { readBasic4Facts } from './basic4.js';
import { type CertificateInput, certificateOf } from './cert.js';
import { JPKI_SIGNING_POLICY, JPKI_TEST_SIGNING_POLICY, OID } from './oids.js';

export type ProfileProblemCode =
  | 'KEY_NOT_RSA'
  | 'KEY_TOO_SHORT'
  | 'SIGNATURE_ALGORITHM'
  | 'KEY_USAGE_MISSING'
  | 'KEY_USAGE_NOT_CRITICAL'
  | 'KEY_USAGE_BITS'
  | 'POLICY_MISSING'
  | 'TEST_HIERARCHY'
  | 'NO_BASIC4_FACTS'
  | 'BASIC4_MALFORMED';

export interface ProfileProblem {
  code: ProfileProblemCode;
  /** What is wrong, for the person who chose the certificate; never quotes personal data. */
  message: string;
}

export interface ProfileCheck {
  ok: boolean;
  problems: ProfileProblem[];
  /** The certificate carries the test-hierarchy policy (試験用), not the production one. */
  testHierarchy: boolean;
}

const MIN_RSA_BITS = 2048;

/** Bit length of an unsigned big-endian integer. */
function bitLength(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  const first = bytes[i];
  return first === undefined ? 0 : (bytes.length - i - 1) * 8 + (32 - Math.clz32(first));
}

/** The RSA modulus length of the key, 0 when the RSA key does not parse, undefined for another key type. */
function rsaModulusBits(cert: Certificate): number | undefined {
  if (cert.publicKeyAlgorithm !== OID.rsaEncryption) return undefined;
  const what = 'the RSA public key';
  try {
    // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
    const [modulus, exponent] = children(expectTag(readTlv(cert.publicKeyBits, 0, what), TAG.sequence, what), what);
    expectTag(exponent, TAG.integer, what);
    return bitLength(expectTag(modulus, TAG.integer, what).content);
  } catch (err) {
    if (err instanceof DerError) return 0;
    throw err;
  }
}

/** The policy identifiers of the certificatePolicies extension; undefined when absent or malformed. */
function policies(cert: Certificate): string[] | undefined {
  const value = cert.extensions.get(OID.certificatePolicies)?.value;
  if (!value) return undefined;
  const what = 'the certificate policies';
  try {
    // certificatePolicies ::= SEQUENCE OF PolicyInformation { policyIdentifier OID, policyQualifiers OPTIONAL }
    return children(expectTag(readTlv(value, 0, what), TAG.sequence, what), what).map((info) => readOid(expectTag(children(expectTag(info, TAG.sequence, what), what)[0], TAG.oid, what), what));
  } catch (err) {
    if (err instanceof DerError) return undefined;
    throw err;
  }
}

/** The keyUsage BIT STRING's content (unused-bits octet first), undefined when it is not one. */
function keyUsageBits(value: Buffer): Buffer | undefined {
  try {
    const bits = readTlv(value, 0, 'the key usage');
    return bits.tag === TAG.bitString && bits.content.length > 0 ? bits.content : undefined;
  } catch (err) {
    if (err instanceof DerError) return undefined;
    throw err;
  }
}

function checkKeyUsage(cert: Certificate, problems: ProfileProblem[]): void {
  const ext = cert.extensions.get(OID.keyUsage);
  const bits = ext && keyUsageBits(ext.value);
  if (!ext || !bits) {
    problems.push({ code: 'KEY_USAGE_MISSING', message: 'the certificate has no keyUsage extension; a JPKI signing certificate has digitalSignature and nonRepudiation' });
    return;
  }
  if (!ext.critical) problems.push({ code: 'KEY_USAGE_NOT_CRITICAL', message: 'the keyUsage extension is not marked critical' });
  const first = bits[1] ?? 0;
  const missing = [(first & 0x80) === 0 && 'digitalSignature', (first & 0x40) === 0 && 'nonRepudiation'].filter(Boolean);
  if (missing.length > 0) {
    problems.push({ code: 'KEY_USAGE_BITS', message: `the keyUsage lacks ${missing.join(' and ')}: this is not a signing certificate (an authentication certificate has digitalSignature only)` });
  }
}

/**
 * Checks a certificate against the JPKI signing-certificate profile: RSA ≥ 2048, sha256WithRSA,
 * keyUsage digitalSignature + nonRepudiation (critical), the JPKI signing policy (or the test one
 * when allowed) and the basic-4 facts. Chain, validity and revocation are the verifier's job.
 */
export function checkJpkiSigningCertificate(input: CertificateInput, options: { allowTestHierarchy?: boolean } = {}): ProfileCheck {
  const cert = certificateOf(input);
  const problems: ProfileProblem[] = [];

  const bits = rsaModulusBits(cert);
  if (bits === undefined) problems.push({ code: 'KEY_NOT_RSA', message: 'the certificate\'s key is not RSA' });
  else if (bits < MIN_RSA_BITS) problems.push({ code: 'KEY_TOO_SHORT', message: `the certificate's RSA key has ${bits} bits; at least ${MIN_RSA_BITS} are required` });

  if (cert.signatureAlgorithm !== OID.sha256WithRSAEncryption || cert.tbsSignatureAlgorithm !== OID.sha256WithRSAEncryption) {
    problems.push({ code: 'SIGNATURE_ALGORITHM', message: `the certificate is signed with ${cert.signatureAlgorithm}, not sha256WithRSAEncryption` });
  }

  checkKeyUsage(cert, problems);

  const ids = policies(cert) ?? [];
  const production = ids.includes(JPKI_SIGNING_POLICY);
  const testHierarchy = !production && ids.includes(JPKI_TEST_SIGNING_POLICY);
  if (testHierarchy && !options.allowTestHierarchy) {
    problems.push({ code: 'TEST_HIERARCHY', message: 'the certificate is from the JPKI test hierarchy, which is not accepted here' });
  } else if (!production && !testHierarchy) {
    problems.push({ code: 'POLICY_MISSING', message: `the certificate does not carry the JPKI signing policy ${JPKI_SIGNING_POLICY}` });
  }

  try {
    if (!readBasic4Facts(cert.der)) problems.push({ code: 'NO_BASIC4_FACTS', message: 'the certificate carries no basic-4 facts (name, address, date of birth, gender): an authentication certificate cannot sign' });
  } catch (err) {
    if (!(err instanceof JitsuinError)) throw err;
    problems.push({ code: 'BASIC4_MALFORMED', message: err.message });
  }

  return { ok: problems.length === 0, problems, testHierarchy };
}
