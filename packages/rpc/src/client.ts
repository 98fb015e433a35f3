import {
  Metadata,
  type CallOptions,
  type ClientUnaryCall,
  type ClientWritableStream,
  type ServiceError,
} from '@grpc/grpc-js';

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
