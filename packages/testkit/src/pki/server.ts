import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { invalidArgument, JitsuinError, unavailable } from '@jitsuin/errors';
import type { RevocationReason } from '@jitsuin/jpki';
import { PkiControls, type PersonCert } from './controls.js';
import { type OcspBehaviour, PkiResponder } from './responder.js';
import { PkiStore } from './store.js';

/** Controls of a running server: the PKI scenario controls plus the OCSP responder's behaviour. */
export class PkiServerControls extends PkiControls {
  constructor(
    store: PkiStore,
    private readonly responder: PkiResponder,
  ) {
    super(store);
  }

  /** Changes how the OCSP responder behaves (down, tryLater, stale, signer); returns the result. */
  ocsp(change: Partial<OcspBehaviour>): OcspBehaviour {
    const allowed: { [K in keyof OcspBehaviour]: readonly OcspBehaviour[K][] } = {
      down: [false, 'reset', '503'],
      tryLater: [true, false],
      stale: [true, false],
      signer: ['delegated', 'ca'],
    };
    for (const [key, value] of Object.entries(change)) {
      const values = allowed[key as keyof OcspBehaviour] as readonly unknown[] | undefined;
      if (!values) throw invalidArgument(`unknown OCSP control '${key}'; there are: ${Object.keys(allowed).join(', ')}`);
      if (!values.includes(value)) throw invalidArgument(`OCSP control ${key} takes ${values.map((v) => JSON.stringify(v)).join(' | ')}`);
    }
    this.responder.behaviour = { ...this.responder.behaviour, ...change };
    return { ...this.responder.behaviour };
  }
}

export interface PkiServers {
  baseUrl: string;
  urls: { ocsp: string; tsa: string; crl: Record<string, string>; control: string };
  controls: PkiServerControls;
  close(): Promise<void>;
}

const HTTP_STATUS: Partial<Record<JitsuinError['kind'], number>> = { INVALID_ARGUMENT: 400, NOT_FOUND: 404, FAILED_PRECONDITION: 409, UNAVAILABLE: 503 };

const asDate = (v: unknown): Date | undefined => {
  if (v === undefined || v === null) return undefined;
  const d = new Date(String(v));
  if (Number.isNaN(d.getTime())) throw new JitsuinError('INVALID_ARGUMENT', `'at' must be an ISO date-time, not '${String(v)}'`);
  return d;
};

const body = (req: Request): Record<string, unknown> => (req.body && typeof req.body === 'object' && !Buffer.isBuffer(req.body) ? (req.body as Record<string, unknown>) : {});

function buildApp(store: PkiStore, responder: PkiResponder, controls: PkiServerControls): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const raw = express.raw({ type: () => true, limit: '1mb' });
  const der = (res: Response, type: string, bytes: Buffer) => res.type(type).send(bytes);
  const route = (fn: (req: Request, res: Response) => Promise<unknown>) => (req: Request, res: Response, next: NextFunction) => {
    fn(req, res).catch(next);
  };

  app.get('/health', (_req, res) => {
    res.type('text/plain').send('ok\n');
  });
  app.get('/crl/:file', route(async (req, res) => {
    const id = /^(.+)\.crl$/.exec(String(req.params.file))?.[1];
    if (!id || !store.manifest().cas[id]) throw new JitsuinError('NOT_FOUND', `no CRL ${String(req.params.file)}`);
    der(res, 'application/pkix-crl', await responder.crl(id));
  }));
  app.get('/ca/:file', route(async (req, res) => {
    const id = /^(.+)\.crt$/.exec(String(req.params.file))?.[1];
    if (!id || !store.manifest().cas[id]) throw new JitsuinError('NOT_FOUND', `no CA certificate ${String(req.params.file)}`);
    der(res, 'application/pkix-cert', await responder.caCertificate(id));
  }));

  // OCSP: POST with the DER body, or GET /ocsp/<url-encoded base64> (RFC 6960 A.1).
  app.use('/ocsp', raw, route(async (req, res) => {
    const down = responder.behaviour.down;
    if (down === 'reset') return void req.socket.destroy();
    if (down === '503') return void res.status(503).type('text/plain').send('OCSP responder down (test control)\n');
    let request: Buffer;
    if (req.method === 'POST') request = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    else if (req.method === 'GET') request = Buffer.from(decodeURIComponent(req.url.replace(/^\/+/, '')), 'base64');
    else return void res.status(405).set('Allow', 'GET, POST').end();
    der(res, 'application/ocsp-response', await responder.ocsp(request));
  }));

  app.post('/tsa', raw, route(async (req, res) => {
    der(res, 'application/timestamp-reply', await responder.timeStamp(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)));
  }));

  // Scenario controls, so that another process can drive the scenario over HTTP.
  const control = express.Router();
  control.use(express.json());
  control.post('/revoke', route(async (req, res) => {
    const b = body(req);
    res.json(await controls.revoke(String(b.person), String(b.cert ?? 'signing') as PersonCert, String(b.reason) as RevocationReason, asDate(b.at)));
  }));
  control.post('/hold', route(async (req, res) => {
    const b = body(req);
    res.json(await controls.hold(String(b.person), String(b.cert ?? 'signing') as PersonCert, asDate(b.at)));
  }));
  control.post('/renew', route(async (req, res) => {
    res.json(await controls.renew(String(body(req).person)));
  }));
  control.post('/revoke-seal', route(async (req, res) => {
    const b = body(req);
    res.json(await controls.revokeSeal(String(b.seal), String(b.reason) as RevocationReason, asDate(b.at)));
  }));
  control.post('/advance-clock', route(async (req, res) => {
    res.json({ now: (await controls.advanceClock(Number(body(req).ms))).toISOString() });
  }));
  control.post('/ocsp', route(async (req, res) => {
    res.json(controls.ocsp(body(req) as Partial<OcspBehaviour>));
  }));
  control.get('/ocsp', (_req, res) => {
    res.json(controls.ocsp({}));
  });
  control.get('/status/:person', route(async (req, res) => {
    res.json(controls.status(String(req.params.person)));
  }));
  control.get('/clock', (_req, res) => {
    res.json({ now: controls.now().toISOString() });
  });
  app.use('/control', control);

  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'not found: the test PKI serves /crl/<ca>.crl, /ca/<ca>.crt, /ocsp, /tsa and /control/*' });
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    // Typed errors by kind; body-parser's (bad JSON, too large) carry their own 4xx status.
    const own = (err as { status?: unknown }).status;
    const status = err instanceof JitsuinError ? (HTTP_STATUS[err.kind] ?? 500) : typeof own === 'number' && own >= 400 && own < 500 ? own : 500;
    res.status(status).json({ error: err instanceof Error ? err.message : String(err) });
  });
  return app;
}

/**
 * Serves the PKI in `dir` on loopback: CRLs, OCSP, the TSA and the controls. The port defaults to
 * the one in the PKI's base URL (its certificates point there). Revocations live in the
 * directory, so a restarted server keeps them; the OCSP behaviour controls do not persist.
 */
export async function startPkiServers(dir: string, options: { port?: number; host?: string } = {}): Promise<PkiServers> {
  const store = new PkiStore(dir);
  const manifest = store.manifest();
  const responder = new PkiResponder(store);
  const controls = new PkiServerControls(store, responder);
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? Number(new URL(manifest.baseUrl).port || 80);
  const app = buildApp(store, responder, controls);

  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, host);
    s.once('listening', () => resolve(s));
    s.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? unavailable(`port ${port} on ${host} is in use; stop what is using it or serve with --port`, err) : err),
    );
  });
  const actual = (server.address() as AddressInfo).port;
  const baseUrl = `http://${host}:${actual}`;
  return {
    baseUrl,
    urls: {
      ocsp: `${baseUrl}/ocsp`,
      tsa: `${baseUrl}/tsa`,
      crl: Object.fromEntries(Object.keys(manifest.cas).map((id) => [id, `${baseUrl}/crl/${id}.crl`])),
      control: `${baseUrl}/control`,
    },
    controls,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
