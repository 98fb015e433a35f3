import {
  Metadata,
  status,
  type CallOptions,
  type ClientUnaryCall,
  type ClientWritableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import { type ErrorKind, JitsuinError, unavailable } from '@jitsuin/errors';

/** Promise forms of grpc-js client calls, each with a deadline: no call waits forever. */

type Callback<Res> = (error: ServiceError | null, response: Res) => void;

export type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: Callback<Res>,
) => ClientUnaryCall;

export type ClientStreamMethod<Req, Res> = (
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: Callback<Res>,
) => ClientWritableStream<Req>;

export interface CallSettings {
  /** Milliseconds from now; 30 s when not given. */
  deadlineMs?: number;
  metadata?: Metadata;
  /** Cancels the call when it aborts (e.g. the signal of the server call this one serves). */
  signal?: AbortSignal;
}

/** Cancels `call` when `signal` aborts; returns the function that stops listening. */
function cancelOnAbort(call: { cancel(): void }, signal: AbortSignal | undefined): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    call.cancel();
    return () => {};
  }
  const cancel = () => call.cancel();
  signal.addEventListener('abort', cancel, { once: true });
  return () => signal.removeEventListener('abort', cancel);
}

const deadline = (settings: CallSettings) => ({ deadline: Date.now() + (settings.deadlineMs ?? 30_000) });

export function callUnary<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, settings: CallSettings = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    let release = () => {};
    const call = method(request, settings.metadata ?? new Metadata(), deadline(settings), (err, response) => {
      release();
      if (err) reject(err);
      else resolve(response);
    });
    release = cancelOnAbort(call, settings.signal);
  });
}

/** Sends every message of `messages` (respecting flow control), then waits for the answer. */
export function callClientStream<Req, Res>(
  method: ClientStreamMethod<Req, Res>,
  messages: AsyncIterable<Req> | Iterable<Req>,
  settings: CallSettings = {},
): Promise<Res> {
  return new Promise((resolve, reject) => {
    let release = () => {};
    const call = method(settings.metadata ?? new Metadata(), deadline(settings), (err, response) => {
      release();
      if (err) reject(err);
      else resolve(response);
    });
    release = cancelOnAbort(call, settings.signal);
    let answered = false;
    call.once('status', () => (answered = true));
    (async () => {
      for await (const message of messages) {
        // The server may answer (refuse) before it has read everything: stop sending then.
        if (answered) return;
        if (!call.write(message)) {
          await new Promise((go) => {
            call.once('drain', go);
            call.once('status', go);
          });
        }
      }
      call.end();
    })().catch((err: unknown) => {
      // The source failed: cancel, so the server drops what it received.
      call.cancel();
      reject(err);
    });
  });
}

/** gRPC status of another service's refusal → the kind of error the calling service reports. */
const KIND_OF_STATUS: Partial<Record<status, ErrorKind>> = {
  [status.INVALID_ARGUMENT]: 'INVALID_ARGUMENT',
  [status.NOT_FOUND]: 'NOT_FOUND',
  [status.ALREADY_EXISTS]: 'ALREADY_EXISTS',
  [status.FAILED_PRECONDITION]: 'FAILED_PRECONDITION',
  [status.ABORTED]: 'ABORTED',
  [status.RESOURCE_EXHAUSTED]: 'RESOURCE_EXHAUSTED',
  // A role the downstream service refuses is the caller's to know. UNAUTHENTICATED is not here:
  // this service's own credentials refused is a fault of the platform's set-up (INTERNAL, logged).
  [status.PERMISSION_DENIED]: 'PERMISSION_DENIED',
};

function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number';
}

/**
 * The one place where another service's answer becomes an error of the calling service: its
 * refusals keep their words (they name the contract, document or revision), its absence is
 * UNAVAILABLE, and a call cut short by our own caller reports why (deadline or cancellation).
 * `service` names it for people, e.g. "the document service".
 */
export function fromDownstream(err: unknown, service: string, signal?: AbortSignal): unknown {
  if (signal?.aborted && signal.reason instanceof JitsuinError) return signal.reason;
  if (err instanceof JitsuinError || !isServiceError(err)) return err;
  const kind = KIND_OF_STATUS[err.code as status];
  if (kind) return new JitsuinError(kind, err.details || err.message);
  if (err.code === status.UNAVAILABLE || err.code === status.DEADLINE_EXCEEDED || err.code === status.CANCELLED) {
    const words = err.code === status.DEADLINE_EXCEEDED ? 'did not answer in time' : 'is unavailable';
    return unavailable(`${service} ${words}; try again shortly`, err);
  }
  return new Error(`${service} failed: ${err.details || err.message}`, { cause: err });
}
