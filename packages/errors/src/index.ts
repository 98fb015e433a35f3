/**
 * What kind of failure an error is, in words that hold at every layer. The edge of each
 * service maps a kind to its transport's status once (gRPC: packages/rpc), so the code that
 * finds a problem only has to say what the problem is.
 */
export type ErrorKind =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION'
  | 'ABORTED'
  | 'RESOURCE_EXHAUSTED'
  | 'UNAVAILABLE'
  | 'DEADLINE_EXCEEDED'
  | 'CANCELLED'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED';

/** An expected failure with a message fit for the person who made the request. */
export class JitsuinError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'JitsuinError';
  }
}

export const invalidArgument = (message: string) => new JitsuinError('INVALID_ARGUMENT', message);
export const notFound = (message: string) => new JitsuinError('NOT_FOUND', message);
export const failedPrecondition = (message: string) =>
  new JitsuinError('FAILED_PRECONDITION', message);
export const aborted = (message: string) => new JitsuinError('ABORTED', message);
export const resourceExhausted = (message: string) =>
  new JitsuinError('RESOURCE_EXHAUSTED', message);
/** No credentials, or credentials that do not verify: who is calling is unknown. */
export const unauthenticated = (message: string) => new JitsuinError('UNAUTHENTICATED', message);
/** The caller is known and may not do this. */
export const permissionDenied = (message: string) => new JitsuinError('PERMISSION_DENIED', message);
export const unavailable = (message: string, cause?: unknown) =>
  new JitsuinError('UNAVAILABLE', message, { cause });
