import type { RevocationMeaning } from '@jitsuin/jpki';
import type { RevocationEvidence } from '@jitsuin/verify';

/** What CheckCertificate answers: the status of one certificate at one time, and what it means. */
export interface CertificateStatus {
  status: 'GOOD' | 'REVOKED' | 'UNKNOWN';
  /** RFC 5280 reason name of a revocation. */
  reason: string | null;
  revokedAt: Date | null;
  source: RevocationEvidence['source'] | null;
  /** The JPKI meaning (the design's table), for JPKI certificates only. */
  meaning: RevocationMeaning | null;
  message: string;
}

/** Revocation data without nextUpdate counts as current for this long after its thisUpdate. */
export const MAX_AGE_WITHOUT_NEXT_UPDATE_MS = 24 * 3_600_000;

const sec = (d: Date) => Math.floor(d.getTime() / 1000);

/**
 * Whether `e` tells the status at `at`, as the library judges a signature's certificate: a
 * revocation always does; a "good" answer does when issued at or after `at`, or when current
 * at `at` or now. Anything else is stale.
 */
export function tellsStatusAt(e: RevocationEvidence, at: Date, now: Date): boolean {
  if (e.status === 'revoked') return true;
  if (e.status !== 'good') return false;
  if (sec(e.thisUpdate) >= sec(at)) return true;
  const current = (t: Date) =>
    sec(e.thisUpdate) <= sec(t) && (e.nextUpdate ? e.nextUpdate.getTime() >= t.getTime() : t.getTime() - e.thisUpdate.getTime() <= MAX_AGE_WITHOUT_NEXT_UPDATE_MS);
  return current(at) || current(now);
}

/**
 * The status at `at` from the first evidence that tells it. A certificate revoked after `at`
 * was good at `at`: GOOD, with the revocation time and reason still reported. No evidence
 * that tells it: UNKNOWN, with why (`problems`: the sources that could not answer).
 */
export function statusAt(
  evidence: RevocationEvidence | undefined,
  at: Date,
  now: Date,
  problems: string[],
  meaningOf: (signing: { status: 'good' | 'revoked' | 'unknown'; reason?: RevocationEvidence['reason'] }, auth?: RevocationEvidence['auth']) => RevocationMeaning | null,
): CertificateStatus {
  if (!evidence || !tellsStatusAt(evidence, at, now)) {
    const why = evidence
      ? `${evidence.origin} says ${evidence.status} as of ${evidence.thisUpdate.toISOString()}, which does not tell the status at ${at.toISOString()}`
      : problems.length > 0
        ? `no revocation source could answer: ${problems.join('; ')}`
        : 'no revocation source has data for this certificate';
    return { status: 'UNKNOWN', reason: null, revokedAt: null, source: evidence?.source ?? null, meaning: meaningOf({ status: 'unknown' }), message: `the revocation status is not known: ${why}; try again later` };
  }
  if (evidence.status === 'revoked') {
    const reason = evidence.reason ?? 'unspecified';
    const revokedAt = evidence.revokedAt ?? null;
    if (revokedAt && revokedAt > at) {
      return {
        status: 'GOOD',
        reason,
        revokedAt,
        source: evidence.source,
        meaning: meaningOf({ status: 'good' }),
        message: `valid at ${at.toISOString()}; revoked later, on ${revokedAt.toISOString()} (${reason}), says ${evidence.origin}`,
      };
    }
    return {
      status: 'REVOKED',
      reason,
      revokedAt,
      source: evidence.source,
      meaning: meaningOf({ status: 'revoked', reason }, evidence.auth),
      message: `revoked${revokedAt ? ` on ${revokedAt.toISOString()}` : ''} (${reason}), says ${evidence.origin}`,
    };
  }
  return { status: 'GOOD', reason: null, revokedAt: null, source: evidence.source, meaning: meaningOf({ status: 'good' }), message: `good, says ${evidence.origin}` };
}
