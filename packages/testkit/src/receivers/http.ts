import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  /** The request target as it arrived (req.url): path and query. */
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The status it was answered with. */
  status: number;
  /** When its body had arrived, in ms since the epoch (Date.now()). */
  receivedAt: number;
}

export interface HttpReceiver {
  /** http://127.0.0.1:port, without a trailing slash: append a path of the test's own. */
  url: string;
  /** Every request, in arrival order. */
  requests: ReceivedRequest[];
  /**
   * From now on, requests to `path` are answered with what `status` returns; `attempt` counts
   * that path's requests from 1 (the first is 1), so a test can fail a few tries, then recover.
   */
  answer(path: string, status: (attempt: number) => number): void;
  stop(): Promise<void>;
}

/**
 * An HTTP server on loopback that keeps every request and answers 200, or what the function
 * given for the request's path with `answer` returns (webhook targets, an API stub).
 */
export async function startReceiver(): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  const answers = new Map<string, (attempt: number) => number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      const attempt = requests.filter((r) => r.path === path).length + 1;
      const status = answers.get(path)?.(attempt) ?? 200;
      requests.push({ method: req.method ?? '', path, headers: req.headers, body: Buffer.concat(chunks), status, receivedAt: Date.now() });
      res.writeHead(status, { 'content-type': 'application/json' }).end(status < 300 ? '{}' : '{"message":"failing on purpose"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answer: (path, status) => answers.set(path, status),
    stop: () =>
      new Promise<void>((resolve) => {
        // Keep-alive connections of the sender would hold close() open.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
