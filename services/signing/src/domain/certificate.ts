import { failedPrecondition, invalidArgument, unavailable } from '@jitsuin/errors';
import {
  certificateOf,
  checkJpkiSigningCertificate,
  compareFacts,
  readBasic4Facts,
  revocationMeaning,
  serialHexOf,
  type ComparableFact,
} from '@jitsuin/jpki';
import { type Cert, parseCert } from '@jitsuin/pades';
import { buildChain, CertificateStore, type RevocationEvidence, type StatusAnswer } from '@jitsuin/verify';
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
 * whose basic-4 facts are the ones the contract expects of the party. Who issued it and whether
 * it is revoked are cardIssuer's and cardRevocation's: the profile alone can be copied.
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

const iso = (d: Date) => d.toISOString();
/** One line of a certificate name, as node prints it. */
const nameOf = (multiline: string) => multiline.split('\n').join(', ');

/** The authority key identifier the certificate names (hex), for messages; undefined without one. */
function authorityKeyId(cert: Cert): string | undefined {
  const v = cert.extensions.get('2.5.29.35')?.value;
  // SEQUENCE { [0] keyIdentifier, ... }, short lengths: a key identifier is 20 octets.
  if (!v || v[0] !== 0x30 || v[1]! >= 0x80 || v[2] !== 0x80 || v[3]! >= 0x80) return undefined;
  return v.subarray(4, 4 + v[3]!).toString('hex');
}

/**
 * What a refused certificate claims as its issuer, for the message. A name is quoted only when
 * it is a JPKI root's (O=JPKI): a person's names carry where they live.
 */
function claimedIssuer(cert: Cert): string {
  if (cert.issuerDer.equals(cert.subjectDer)) return 'it is self-signed';
  const keyId = authorityKeyId(cert);
  const name = /(^|\n)O=JPKI(\n|$)/.test(cert.x509.issuer) ? ` ${nameOf(cert.x509.issuer)}` : '';
  return `it names the issuer${name}${keyId ? ` with key identifier ${keyId}` : ''}, but no configured CA of that name and key signed it`;
}

/**
 * The configured JPKI signing CA that issued the card's certificate, chosen by key identifier
 * and signature (buildChain), never by name: the root generations share one DN, and anyone can
 * copy it into a CA of their own or a self-signed certificate. The CA must be within its
 * validity now. `der` passed checkCardCertificate (its own validity is checked there).
 */
export function cardIssuer(der: Buffer, cas: CertificateStore, now: Date): Cert {
  if (cas.size === 0) {
    throw failedPrecondition('no JPKI signing CAs are configured (SIGNING_CA_CERTS): card certificates cannot be checked, so none is accepted');
  }
  const cert = parseCert(der, 'the signer certificate');
  const chain = buildChain(cert, cas, new CertificateStore());
  const issuer = chain?.certs[1];
  if (!issuer) {
    throw signingError(
      'INVALID_ARGUMENT',
      'UNTRUSTED_ISSUER',
      `the certificate was not issued by any of the ${cas.size} configured JPKI signing CAs (SIGNING_CA_CERTS): ${claimedIssuer(cert)}; ` +
        "sign with the card's own certificate as read from the card",
    );
  }
  if (now < new Date(issuer.x509.validFrom) || now > new Date(issuer.x509.validTo)) {
    throw signingError(
      'FAILED_PRECONDITION',
      'CERTIFICATE_EXPIRED',
      `the JPKI signing CA that issued the certificate (${nameOf(issuer.x509.subject)}, serial ${issuer.serialHex}) is not valid now (${issuer.x509.validFrom} to ${issuer.x509.validTo})`,
    );
  }
  return issuer;
}

/** Words for a revocation reason, for the person whose card it is. */
function revocationWords(e: RevocationEvidence): string {
  const meaning = revocationMeaning({ signing: { status: 'revoked', ...(e.reason ? { reason: e.reason } : {}) } });
  return meaning.en;
}

/**
 * What the revocation sources said of the card's certificate, decided: good passes; revoked is
 * FAILED_PRECONDITION naming the reason, since when and who said it; no answer that tells the
 * status now (sources away, stale or unknown answers) is UNAVAILABLE, to be tried again.
 */
export function cardRevocation(answer: StatusAnswer): RevocationEvidence {
  const e = answer.evidence;
  if (e?.status === 'revoked') {
    throw signingError(
      'FAILED_PRECONDITION',
      'CERTIFICATE_REVOKED',
      `the certificate is revoked (${e.reason ?? 'unspecified'}${e.revokedAt ? ` since ${iso(e.revokedAt)}` : ''}, according to ${e.origin}): ` +
        `${revocationWords(e)} The card holder signs with a valid certificate (a renewed card), or asks their municipal office`,
    );
  }
  if (e?.status === 'good') return e;
  const why = answer.messages.length > 0 ? answer.messages.join('; ') : 'no revocation source has data for it';
  throw unavailable(`the certificate's revocation status cannot be checked now (${why}); try again in a moment`);
}
