import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { invalidArgument, JitsuinError } from '@jitsuin/errors';
import type { Logger } from '@jitsuin/rpc';
import type { Verifications } from '../app/verifications.js';
import type { Verifier } from '../app/verifier.js';
import { errorHtml, reportHtml, storedReportHtml } from './report-page.js';

/**
 * The HTML report pages, for the HTTP edge to show (it authenticates people and passes the
 * page on; this server listens on loopback by default and checks no credentials itself):
 *
 * - GET /reports/:tenant/:revision.html  the stored report of a revision (made on signature.applied)
 * - GET /reports/:tenant/:revision.json  the same report as the library's JSON
 * - POST /verify?at=ISO-8601&offline=1   the PDF as the body: the report page
 * - GET /health
 */

const HTTP_STATUS: Partial<Record<JitsuinError['kind'], number>> = {
  INVALID_ARGUMENT: 400,
  NOT_FOUND: 404,
  FAILED_PRECONDITION: 409,
  RESOURCE_EXHAUSTED: 413,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
  CANCELLED: 499,
};

export interface RunningPages {
  /** http://host:port */
  url: string;
  close(): Promise<void>;
}

function query(req: Request): { at?: Date; offline: boolean } {
  const at = typeof req.query.at === 'string' && req.query.at !== '' ? new Date(req.query.at) : undefined;
  if (at && Number.isNaN(at.getTime())) throw invalidArgument(`at must be an ISO-8601 date-time, not ${JSON.stringify(req.query.at)}`);
  const offline = typeof req.query.offline === 'string' && /^(1|true|yes)$/i.test(req.query.offline);
  return { ...(at ? { at } : {}), offline };
}

export function pagesApp(verifier: Verifier, verifications: Verifications, logger: Logger): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const route = (fn: (req: Request, res: Response) => Promise<unknown>) => (req: Request, res: Response, next: NextFunction) => {
    fn(req, res).catch(next);
  };
  const page = (res: Response, html: string) =>
    res.type('html').set('Cache-Control', 'no-store').set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'").send(html);

  app.get('/health', (_req, res) => {
    res.type('text/plain').send('ok\n');
  });

  app.get('/reports/:tenant/:file', route(async (req, res) => {
    const m = /^(.+)\.(html|json)$/.exec(String(req.params.file));
    if (!m) throw new JitsuinError('NOT_FOUND', 'ask for /reports/TENANT/REVISION.html or .json');
    const stored = await verifications.getReport(String(req.params.tenant), m[1]!);
    if (m[2] === 'json') {
      res.type('json').set('Cache-Control', 'no-store').send(stored.reportJson);
      return;
    }
    page(res, storedReportHtml(stored));
  }));

  app.post(
    '/verify',
    express.raw({ type: () => true, limit: verifier.maxDocumentBytes }),
    route(async (req, res) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const report = await verifier.verify(body, query(req));
      page(res, reportHtml(report));
    }),
  );

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number; message?: string };
    if (e?.type === 'entity.too.large') {
      res.status(413).type('html').send(errorHtml(`the document is larger than the ${verifier.maxDocumentBytes} bytes this service verifies`));
      return;
    }
    if (err instanceof JitsuinError) {
      res.status(HTTP_STATUS[err.kind] ?? 500).type('html').send(errorHtml(err.message));
      return;
    }
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      res.status(e.status).type('html').send(errorHtml(e.message ?? 'bad request'));
      return;
    }
    logger.error({ err }, 'report page failed');
    res.status(500).type('html').send(errorHtml('internal error'));
  });
  return app;
}

export async function startPages(host: string, port: number, app: express.Express, requestTimeoutMs: number, logger: Logger): Promise<RunningPages> {
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  // Bounded: a slow upload or a stalled client does not hold a connection for ever.
  server.requestTimeout = requestTimeoutMs;
  server.headersTimeout = Math.min(60_000, requestTimeoutMs);
  const { port: bound } = server.address() as AddressInfo;
  const url = `http://${host}:${bound}`;
  logger.info({ url }, 'HTML report pages listening');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
