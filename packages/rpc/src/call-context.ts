import type { Deadline } from '@grpc/grpc-js';
import type { Caller } from '@jitsuin/auth';
import { JitsuinError } from '@jitsuin/errors';

/** What a handler needs to know about its call: who is calling, and when to give up. */
export interface CallContext {
  /** The verified caller (its token), never a field of the request. */
  readonly caller: Caller;
  /** Aborts when the client cancels or the call's deadline passes. */
  readonly signal: AbortSignal;
  /** Throws the matching error when the call was cancelled or ran out of time. */
  throwIfAborted(): void;
}

interface ServerCall {
  on(event: 'cancelled', listener: () => void): unknown;
  getDeadline(): Deadline;
}

/** A context for one call (the caller added once known), and the function that releases its timer when the call ends. */
export function callContext(call: ServerCall): { context: Omit<CallContext, 'caller'>; dispose: () => void } {
  const controller = new AbortController();
  const abort = (kind: 'CANCELLED' | 'DEADLINE_EXCEEDED') => {
    if (controller.signal.aborted) return;
    const words = kind === 'CANCELLED' ? 'the call was cancelled' : 'the deadline passed';
    controller.abort(new JitsuinError(kind, words));
  };
  call.on('cancelled', () => abort('CANCELLED'));
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  let timer: NodeJS.Timeout | undefined;
  if (Number.isFinite(at)) {
    timer = setTimeout(() => abort('DEADLINE_EXCEEDED'), Math.max(0, at - Date.now()));
    timer.unref();
  }
  return {
    context: {
      signal: controller.signal,
      throwIfAborted: () => controller.signal.throwIfAborted(),
    },
    dispose: () => clearTimeout(timer),
  };
}
