import type {
  Metadata,
  sendUnaryData,
  ServerReadableStream,
  ServerUnaryCall,
  ServerWritableStream,
} from '@grpc/grpc-js';
import { authorize, type Access, type Authenticator, type Caller } from '@jitsuin/auth';
import type { Logger } from 'pino';
import { callContext, type CallContext } from './call-context.js';
import { toServiceError } from './status.js';

/**
 * Adapters from async functions to grpc-js handlers. They are the edge of a service: every
 * call is authenticated (`authenticate`) and authorised (each method's `Access`) before its
 * function runs, and every failure passes through toServiceError here and nowhere else.
 * `translate` lets a service turn infrastructure errors (a database that went away) into typed
 * ones first.
 */
export interface HandlerOptions {
  logger: Logger;
  authenticate: Authenticator;
  translate?: (err: unknown) => unknown;
}

export function handlers(options: HandlerOptions) {
  const fail = (method: string, err: unknown) => {
    const { error, expected } = toServiceError(options.translate ? options.translate(err) : err);
    if (expected) options.logger.info({ method, code: error.code, reason: error.details }, 'refused');
    else options.logger.error({ method, err }, 'failed');
    return error;
  };
  /** The caller, once its token holds and its role may call `method`. */
  const admit = async (method: string, access: Access, metadata: Metadata): Promise<Caller> => {
    const caller = await options.authenticate(metadata);
    authorize(caller, access, method);
    return caller;
  };

  return {
    unary<Req, Res>(method: string, access: Access, fn: (request: Req, ctx: CallContext) => Promise<Res>) {
      return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
        const { context, dispose } = callContext(call);
        admit(method, access, call.metadata).then((caller) => fn(call.request, { ...context, caller })).then(
          (response) => callback(null, response),
          (err: unknown) => callback(fail(method, err)),
        ).finally(dispose);
      };
    },

    clientStream<Req, Res>(
      method: string,
      access: Access,
      fn: (requests: AsyncIterable<Req>, ctx: CallContext) => Promise<Res>,
    ) {
      return (call: ServerReadableStream<Req, Res>, callback: sendUnaryData<Res>) => {
        const { context, dispose } = callContext(call);
        admit(method, access, call.metadata).then((caller) => fn(call, { ...context, caller })).then(
          (response) => callback(null, response),
          (err: unknown) => {
            // Stop reading what the client still sends; the answer is already decided.
            call.destroy();
            callback(fail(method, err));
          },
        ).finally(dispose);
      };
    },

    serverStream<Req, Res>(
      method: string,
      access: Access,
      fn: (request: Req, ctx: CallContext) => AsyncIterable<Res>,
    ) {
      return (call: ServerWritableStream<Req, Res>) => {
        const { context, dispose } = callContext(call);
        (async () => {
          const caller = await admit(method, access, call.metadata);
          for await (const message of fn(call.request, { ...context, caller })) {
            if (!call.write(message)) {
              await new Promise<void>((resolve, reject) => {
                const onAbort = () => reject(context.signal.reason);
                context.signal.addEventListener('abort', onAbort, { once: true });
                call.once('drain', () => {
                  context.signal.removeEventListener('abort', onAbort);
                  resolve();
                });
              });
            }
          }
        })().then(
          () => call.end(),
          // grpc-js turns an 'error' event on a server stream into the call's status.
          (err: unknown) => call.emit('error', fail(method, err)),
        ).finally(dispose);
      };
    },
  };
}
