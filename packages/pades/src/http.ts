import { padesError } from './errors.js';

export interface HttpOptions {
  /** Milliseconds for the whole exchange, body included. */
  timeoutMs: number;
  /** The most bytes the answer may have; a longer one is abandoned. */
  maxBytes: number;
  /** Who is being asked, for messages: "the timestamp authority", "the OCSP responder". */
  what: string;
}

export interface HttpAnswer {
  contentType: string;
  body: Buffer;
}

function checkUrl(url: string, what: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw padesError('INVALID_ARGUMENT', 'HTTP_UNREACHABLE', `the URL of ${what} ('${url}') is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw padesError('INVALID_ARGUMENT', 'HTTP_UNREACHABLE', `${what} must be reached over http or https, not ${u.protocol}`);
  return u;
}

function isConnectionReset(err: unknown): boolean {
  const cause = err instanceof Error ? (err.cause as { code?: string } | undefined) : undefined;
  return cause?.code === 'ECONNRESET' || cause?.code === 'UND_ERR_SOCKET';
}

/**
 * One HTTP exchange with a timeout over the whole of it and a cap on the answer's size (checked
 * against Content-Length first, then while reading, so an endless body costs at most `maxBytes`).
 */
export async function httpExchange(url: string, init: { method: 'GET' | 'POST'; body?: Uint8Array; contentType?: string; accept?: string }, o: HttpOptions): Promise<HttpAnswer> {
  const u = checkUrl(url, o.what);
  const signal = AbortSignal.timeout(o.timeoutMs);
  const failed = (err: unknown): never => {
    if (signal.aborted || (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))) {
      throw padesError('DEADLINE_EXCEEDED', 'HTTP_TIMEOUT', `${o.what} at ${u.origin} did not answer within ${o.timeoutMs} ms; try again later`, err);
    }
    const reason = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
    throw padesError('UNAVAILABLE', 'HTTP_UNREACHABLE', `${o.what} at ${u.origin} could not be reached (${reason}); try again later`, err);
  };
  const send = () =>
    fetch(u, {
      method: init.method,
      ...(init.body ? { body: new Uint8Array(init.body) } : {}),
      headers: { ...(init.contentType ? { 'content-type': init.contentType } : {}), ...(init.accept ? { accept: init.accept } : {}) },
      signal,
      redirect: 'follow',
    });
  let res: Response;
  try {
    res = await send().catch((err: unknown) => {
      // A kept-alive connection the server closed as the request left it: the request never
      // reached the server, so it is sent once more on a new connection (seen under load).
      if (!signal.aborted && isConnectionReset(err)) return send();
      throw err;
    });
  } catch (err) {
    return failed(err);
  }
  const abandon = () => res.body?.cancel().catch(() => undefined);
  if (res.status !== 200) {
    await abandon();
    throw padesError('UNAVAILABLE', 'HTTP_STATUS', `${o.what} at ${u.origin} answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}; try again later`);
  }
  const tooLarge = () => padesError('UNAVAILABLE', 'HTTP_TOO_LARGE', `${o.what} at ${u.origin} sent more than ${o.maxBytes} bytes; that is not a sensible answer`);
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > o.maxBytes) {
    await abandon();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    if (res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > o.maxBytes) {
          await reader.cancel().catch(() => undefined);
          throw tooLarge();
        }
        chunks.push(Buffer.from(value));
      }
    }
  } catch (err) {
    if (err instanceof Error && 'code' in err && (err as { code: unknown }).code === 'HTTP_TOO_LARGE') throw err;
    return failed(err);
  }
  return { contentType: (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase(), body: Buffer.concat(chunks) };
}
