import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { invalidArgument, JitsuinError } from '@jitsuin/errors';
import type { Logger } from '@jitsuin/rpc';
import { REPORT_STYLE_HASH, type VerificationReport } from '@jitsuin/verify';
import { errorPageHtml, INTERNAL_ERROR, LINK_REFUSED, LinkRefused, NOT_FOUND, pageSecurityHeaders, type PageMessage } from '@jitsuin/web';
import type { Verifications } from '../app/verifications.js';
import type { Verifier } from '../app/verifier.js';
import type { ReportLinks } from './report-links.js';
import { reportHtml, storedReportHtml } from './report-page.js';

/**
 * The HTML report pages. A stored report shows people's basic-4 facts, so it opens only with a
 * signed, expiring link (GetReport's report_url; ReportLinks): no link, a forged, expired or
 * another revision's link is refused with a page that says nothing more.
 *
 * - GET /reports/:tenant/:revision.html?token=…  the stored report of a revision (made on signature.applied)
 * - GET /reports/:tenant/:revision.json?token=…  the same report as the library's JSON
 * - POST /verify?at=ISO-8601&offline=1           the PDF as the body: the report page of that PDF
 * - GET /health
 *
 * Every response, errors and 404s included, carries @jitsuin/web's security headers (helmet:
 * a CSP allowing only the report's own style, nosniff, no Referer, no-store, same-origin).
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

/** The words of an error page that is about the request itself (the detail says what). */
const REQUEST_FAILED: PageMessage = { ja: '要求を処理できませんでした。', en: 'The request could not be completed.' };

export function pagesApp(verifier: Verifier, verifications: Verifications, links: ReportLinks, logger: Logger): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(pageSecurityHeaders({ styleHashes: [REPORT_STYLE_HASH] }));
  const route = (fn: (req: Request, res: Response) => Promise<unknown>) => (req: Request, res: Response, next: NextFunction) => {
    fn(req, res).catch(next);
  };
  const page = (res: Response, html: string) => res.type('html').send(html);
  const html = (res: Response, status: number, message: PageMessage, detail?: string) => res.status(status).type('html').send(errorPageHtml(message, detail));

  app.get('/health', (_req, res) => {
    res.type('text/plain').send('ok\n');
  });

  app.get('/reports/:tenant/:file', route(async (req, res) => {
    const m = /^(.+)\.(html|json)$/.exec(String(req.params.file));
    if (!m) throw new JitsuinError('NOT_FOUND', 'ask for /reports/TENANT/REVISION.html or .json');
    const tenantId = String(req.params.tenant);
    const revisionId = m[1]!;
    // The link first: without it, not even whether the report exists is told.
    await links.open(tenantId, revisionId, typeof req.query.token === 'string' ? req.query.token : undefined);
    const stored = await verifications.getReport(tenantId, revisionId);
    if (m[2] === 'json') {
      res.type('json').send(stored.reportJson);
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

  app.use((_req: Request, res: Response) => {
    html(res, 404, NOT_FOUND);
  });

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number; message?: string };
    if (err instanceof LinkRefused) {
      logger.info({ reason: err.reason }, 'report link refused');
      html(res, err.httpStatus, LINK_REFUSED);
      return;
    }
    if (e?.type === 'entity.too.large') {
      html(res, 413, REQUEST_FAILED, `the document is larger than the ${verifier.maxDocumentBytes} bytes this service verifies`);
      return;
    }
    if (err instanceof JitsuinError) {
      if (err.kind === 'NOT_FOUND') html(res, 404, NOT_FOUND);
      else html(res, HTTP_STATUS[err.kind] ?? 500, REQUEST_FAILED, err.message);
      return;
    }
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      html(res, e.status, REQUEST_FAILED, e.message ?? 'bad request');
      return;
    }
    logger.error({ err }, 'report page failed');
    html(res, 500, INTERNAL_ERROR);
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
