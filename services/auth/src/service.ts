import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { authenticator, TokenVerifier } from '@jitsuin/auth';
import { startGrpcServer, type Logger } from '@jitsuin/rpc';
import { connectStore } from '@jitsuin/store';
import { ClientRegistry } from './app/clients.js';
import type { AuthConfig } from './config.js';
import { parsePlatformClients } from './domain/clients.js';
import { parseSigningKeys } from './domain/jwks.js';
import { authService } from './grpc/auth-service.js';
import { createProvider } from './oauth/provider.js';
import { ClientRepository, clientModel } from './store/clients.js';
import { OidcRecordRepository, oidcRecordModel } from './store/oidc-records.js';

export interface RunningAuthService {
  /** host:port of the admin API (gRPC). */
  address: string;
  /** Origin of the OAuth endpoints as bound, e.g. http://127.0.0.1:8060. */
  httpUrl: string;
  /** Stop taking requests, finish those in flight, close the store. */
  stop(): Promise<void>;
}

async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${what} ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what} ${path} is not JSON`);
  }
}

/** Connects to the store and prepares its indexes. */
export async function openStore(config: AuthConfig) {
  const connection = await connectStore(config.mongoUrl);
  const clients = clientModel(connection);
  const records = oidcRecordModel(connection);
  await Promise.all([clients.createIndexes(), records.createIndexes()]);
  return { connection, clients, records };
}

// RFC 8414's name for the metadata oidc-provider serves as OpenID discovery.
const OAUTH_METADATA_PATH = '/.well-known/oauth-authorization-server';
const OPENID_METADATA_PATH = '/.well-known/openid-configuration';

export async function startAuthService(config: AuthConfig, logger: Logger): Promise<RunningAuthService> {
  const signingKeys = parseSigningKeys(await readJsonFile(config.signingKeysFile, 'the signing key set (AUTH_SIGNING_KEYS_FILE)'));
  const platformClients = parsePlatformClients(await readJsonFile(config.clientsFile, 'the clients file (AUTH_CLIENTS_FILE)'), new Date());

  const store = await openStore(config);
  const records = new OidcRecordRepository(store.records);
  const clients = new ClientRegistry(new ClientRepository(store.clients), platformClients);
  const provider = createProvider(
    { issuer: config.issuer, accessTokenTtlSeconds: config.accessTokenTtlSeconds, signingKeys, trustProxy: config.trustProxy },
    clients,
    records,
  );
  provider.on('server_error', (_ctx, err) => logger.error({ err }, 'token endpoint failed'));
  provider.on('grant.error', (ctx, err) =>
    logger.info({ clientId: ctx.oidc?.client?.clientId, reason: err.message, detail: (err as { error_detail?: string }).error_detail }, 'token request refused'),
  );

  const callback = provider.callback();
  const http: Server = createServer((req, res) => {
    if (req.url === OAUTH_METADATA_PATH) req.url = OPENID_METADATA_PATH;
    void callback(req, res);
  });

  const sweep = setInterval(() => {
    records.sweep().then(
      (deleted) => deleted > 0 && logger.debug({ deleted }, 'expired records deleted'),
      (err: unknown) => logger.warn({ err }, 'could not delete expired records; will try again'),
    );
  }, config.sweepMs);
  sweep.unref();

  let grpc: Awaited<ReturnType<typeof startGrpcServer>> | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(config.httpPort, config.httpHost, () => {
        http.off('error', reject);
        resolve();
      });
    });
    grpc = await startGrpcServer({
      host: config.grpcHost,
      port: config.grpcPort,
      // The admin API checks its callers as every service does, against the keys it publishes itself.
      services: [authService({ clients }, authenticator(new TokenVerifier({ issuer: config.issuer, keys: { set: signingKeys.publicJwks } })), logger)],
      logger,
    });
  } catch (err) {
    clearInterval(sweep);
    if (http.listening) await new Promise((resolve) => http.close(resolve));
    await store.connection.close();
    throw err;
  }
  grpc.setServing(true);
  const { port } = http.address() as AddressInfo;
  const httpUrl = `http://${config.httpHost.includes(':') ? `[${config.httpHost}]` : config.httpHost}:${port}`;
  logger.info({ httpUrl, issuer: config.issuer, signingKid: signingKeys.signingKid, platformClients: platformClients.length }, 'OAuth endpoints listening');
  const running = grpc;

  return {
    address: running.address,
    httpUrl,
    stop: async () => {
      // No new token requests or admin calls; the ones in flight finish; then the store.
      clearInterval(sweep);
      const closed = new Promise((resolve) => http.close(resolve));
      http.closeIdleConnections();
      const force = setTimeout(() => http.closeAllConnections(), config.shutdownGraceMs);
      await Promise.all([closed, running.shutdown(config.shutdownGraceMs)]);
      clearTimeout(force);
      await store.connection.close();
    },
  };
}
