import { X509Certificate } from 'node:crypto';
import { invalidArgument } from '@jitsuin/errors';
import {
  certificateOf,
  checkJpkiSigningCertificate,
  compareFacts,
  readBasic4Facts,
  serialHexOf,
  type ComparableFact,
} from '@jitsuin/jpki';
import type { ExpectedFacts } from './contract.js';
import { signingError } from './errors.js';

const FACT_WORDS: Record<ComparableFact, string> = {
  name: 'name',
  address: 'address',
  dateOfBirth: 'date of birth',
  gender: 'gender',
};

/** "name", "name and address", "name, address and gender". */
function listOf(words: string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

/** The message for differing facts: names the facts, never their values. */
export function factsMismatchMessage(differing: ComparableFact[]): string {
  const words = differing.map((f) => FACT_WORDS[f]);
  return `the certificate's ${listOf(words)} ${words.length === 1 ? 'differs' : 'differ'} from what the contract expects`;
}

export interface CheckedCertificate {
  /** Serial number, hex, upper case: identifies the certificate, not the person. */
  serial: string;
}

/**
 * The certificate a card presents, checked before anything is prepared: a JPKI-profile signing
 * certificate (key usage, policy; the test hierarchy only when allowed), within its validity,
 * whose basic-4 facts are the ones the contract expects of the party. Chain and revocation are
 * the verification service's (and the validator's) to judge.
 */
export function checkCardCertificate(
  der: Buffer,
  expected: ExpectedFacts,
  options: { allowTestHierarchy: boolean; now: Date },
): CheckedCertificate {
  if (der.length === 0) throw invalidArgument('the signer certificate (DER, as read from the card) is required');
  // Read from the DER (@jitsuin/der), not parsed with pkijs: a fraction of a millisecond instead of
  // 2.5 ms per certificate (about 50 ms for a process's first).
  const cert = certificateOf(der);
  const profile = checkJpkiSigningCertificate(der, { allowTestHierarchy: options.allowTestHierarchy });
  if (!profile.ok) {
    throw signingError(
      'INVALID_ARGUMENT',
      'NOT_A_SIGNING_CERTIFICATE',
      `the certificate is not a JPKI signing certificate (署名用電子証明書): ${profile.problems.map((p) => p.message).join('; ')}`,
    );
  }
  const now = options.now.getTime();
  if (now < cert.notBefore.getTime()) {
    throw signingError('FAILED_PRECONDITION', 'CERTIFICATE_EXPIRED', 'the certificate is not valid yet');
  }
  if (now > cert.notAfter.getTime()) {
    // The end date follows the holder's birthday: not quoted.
    throw signingError('FAILED_PRECONDITION', 'CERTIFICATE_EXPIRED', 'the certificate has expired: the card holder must renew it at their municipal office');
  }
  const facts = readBasic4Facts(der);
  if (!facts) throw signingError('INVALID_ARGUMENT', 'NOT_A_SIGNING_CERTIFICATE', 'the certificate carries no basic-4 facts');
  const differing = compareFacts(
    {
      name: expected.name,
      ...(expected.address ? { address: expected.address } : {}),
      ...(expected.dateOfBirth ? { dateOfBirth: expected.dateOfBirth } : {}),
      ...(expected.gender ? { gender: expected.gender } : {}),
    },
    facts,
  );
  if (differing.length > 0) throw signingError('FAILED_PRECONDITION', 'FACTS_MISMATCH', factsMismatchMessage(differing));
  return { serial: serialOf(der) };
}

export function serialOf(der: Buffer): string {
  return serialHexOf(der);
}

/**
 * The issuers of `leaf` from `pool`, issuer first, up to a self-signed root; chosen by signature,
 * never by name alone (JPKI root generations share one DN). Empty when the issuer is not known.
 */
export function issuerChain(leaf: Buffer, pool: readonly Buffer[]): Buffer[] {
  const candidates = pool.map((der) => ({ der, cert: new X509Certificate(der) }));
  const chain: Buffer[] = [];
  let current = new X509Certificate(leaf);
  while (chain.length < candidates.length && !(current.checkIssued(current) && current.verify(current.publicKey))) {
    const subject = current;
    const issuer = candidates.find((c) => subject.checkIssued(c.cert) && subject.verify(c.cert.publicKey));
    if (!issuer || chain.some((d) => d.equals(issuer.der))) break;
    chain.push(issuer.der);
    current = issuer.cert;
  }
  return chain;
}
