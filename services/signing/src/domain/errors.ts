import { JitsuinError, type ErrorKind } from '@jitsuin/errors';

/**
 * Why a signature was refused, as a code a machine can act on (it becomes the reason of a
 * `signature.failed` event) and words for the person. Libraries' errors that carry a code of
 * their own (@jitsuin/pades: SIGNATURE_LENGTH, SIGNATURE_MISMATCH, ...) keep theirs.
 */
export type SigningFailureCode =
  | 'NOT_A_SIGNING_CERTIFICATE'
  | 'CERTIFICATE_EXPIRED'
  /** No configured JPKI signing CA issued the certificate (by key identifier and signature). */
  | 'UNTRUSTED_ISSUER'
  | 'CERTIFICATE_REVOKED'
  | 'FACTS_MISMATCH'
  | 'CERTIFICATE_MISMATCH'
  | 'CONTRACT_CLOSED'
  | 'BASE_CHANGED'
  | 'HEAD_MOVED'
  /** The party's signing step is not open (yet). */
  | 'NOT_YOUR_TURN'
  | 'ALREADY_SIGNED';

export class SigningError extends JitsuinError {
  constructor(
    kind: ErrorKind,
    readonly code: SigningFailureCode,
    message: string,
  ) {
    super(kind, message);
    this.name = 'SigningError';
  }
}

export const signingError = (kind: ErrorKind, code: SigningFailureCode, message: string) =>
  new SigningError(kind, code, message);

const TRANSIENT: readonly ErrorKind[] = ['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'CANCELLED', 'ABORTED'];

/**
 * What a failed completion means for its session: a refusal (the session is spent, and the
 * reason is announced) or a transient failure (undefined: the session is given back, and the
 * same signature may be sent again).
 */
export function refusalOf(err: unknown): { reason: string; message: string } | undefined {
  if (!(err instanceof JitsuinError) || TRANSIENT.includes(err.kind)) return undefined;
  const code = (err as { code?: unknown }).code;
  return { reason: typeof code === 'string' && code !== '' ? code : err.kind, message: err.message };
}
