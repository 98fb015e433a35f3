import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { JitsuinError, type ErrorKind } from '@jitsuin/errors';

const statusOfKind: Record<ErrorKind, status> = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  ABORTED: status.ABORTED,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  UNAVAILABLE: status.UNAVAILABLE,
  DEADLINE_EXCEEDED: status.DEADLINE_EXCEEDED,
  CANCELLED: status.CANCELLED,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
};

/** A gRPC error the caller can act on. */
export function grpcError(code: status, details: string): ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new Metadata() });
}

/**
 * The one place where a failure becomes a gRPC status. Expected failures keep their message;
 * anything else is INTERNAL with a generic message, and its detail stays in our logs.
 */
export function toServiceError(err: unknown): { error: ServiceError; expected: boolean } {
  if (err instanceof JitsuinError) {
    return { error: grpcError(statusOfKind[err.kind], err.message), expected: true };
  }
  return { error: grpcError(status.INTERNAL, 'internal error'), expected: false };
}
