import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { JitsuinError } from '@jitsuin/errors';
import { readBasic4Facts } from './basic4.js';
import { type CertificateInput, extensionValue, findExtension, toCertificate } from './cert.js';
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

function rsaModulusBits(cert: pkijs.Certificate): number | undefined {
  const spki = cert.subjectPublicKeyInfo;
  if (spki.algorithm.algorithmId !== OID.rsaEncryption) return undefined;
  const asn1 = asn1js.fromBER(spki.subjectPublicKey.valueBlock.valueHexView);
  if (asn1.offset === -1) return 0;
  try {
    const key = new pkijs.RSAPublicKey({ schema: asn1.result });
    return bitLength(key.modulus.valueBlock.valueHexView);
  } catch {
    return 0;
  }
}

function policies(cert: pkijs.Certificate): string[] | undefined {
  const ext = findExtension(cert, OID.certificatePolicies);
  const value = ext && extensionValue(ext);
  if (!value) return undefined;
  try {
    return new pkijs.CertificatePolicies({ schema: value }).certificatePolicies.map((p) => p.policyIdentifier);
  } catch {
    return undefined;
  }
}

function checkKeyUsage(cert: pkijs.Certificate, problems: ProfileProblem[]): void {
  const ext = findExtension(cert, OID.keyUsage);
  const value = ext && extensionValue(ext);
  if (!ext || !(value instanceof asn1js.BitString)) {
    problems.push({ code: 'KEY_USAGE_MISSING', message: 'the certificate has no keyUsage extension; a JPKI signing certificate has digitalSignature and nonRepudiation' });
    return;
  }
  if (!ext.critical) problems.push({ code: 'KEY_USAGE_NOT_CRITICAL', message: 'the keyUsage extension is not marked critical' });
  const first = value.valueBlock.valueHexView[0] ?? 0;
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
  const cert = toCertificate(input);
  const problems: ProfileProblem[] = [];

  const bits = rsaModulusBits(cert);
  if (bits === undefined) problems.push({ code: 'KEY_NOT_RSA', message: 'the certificate\'s key is not RSA' });
  else if (bits < MIN_RSA_BITS) problems.push({ code: 'KEY_TOO_SHORT', message: `the certificate's RSA key has ${bits} bits; at least ${MIN_RSA_BITS} are required` });

  if (cert.signatureAlgorithm.algorithmId !== OID.sha256WithRSAEncryption || cert.signature.algorithmId !== OID.sha256WithRSAEncryption) {
    problems.push({ code: 'SIGNATURE_ALGORITHM', message: `the certificate is signed with ${cert.signatureAlgorithm.algorithmId}, not sha256WithRSAEncryption` });
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
    if (!readBasic4Facts(cert)) problems.push({ code: 'NO_BASIC4_FACTS', message: 'the certificate carries no basic-4 facts (name, address, date of birth, gender): an authentication certificate cannot sign' });
  } catch (err) {
    if (!(err instanceof JitsuinError)) throw err;
    problems.push({ code: 'BASIC4_MALFORMED', message: err.message });
  }

  return { ok: problems.length === 0, problems, testHierarchy };
}
