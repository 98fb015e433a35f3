import { authenticator, openAccess, type TokenSource } from '@jitsuin/auth';
import type { EventConsumer, OutboxCollection } from '@jitsuin/events';
import { startGrpcServer, type Logger } from '@jitsuin/rpc';
import { connectStore, kafkaOutboxRelay } from '@jitsuin/store';
import { loadJpkiEndpoints } from '@jitsuin/verify';
import { Verifications } from './app/verifications.js';
import { Verifier } from './app/verifier.js';
import { DocumentService } from './clients/document-service.js';
import type { VerificationConfig } from './config.js';
import { startEventConsumer } from './events/consumer.js';
import { verificationService } from './grpc/verification-service.js';
import { pagesApp, startPages, type RunningPages } from './http/pages.js';
import { ReportLinks } from './http/report-links.js';
import { ReportRepository, reportModel } from './store/reports.js';
import { readTrustAnchors } from './store/trust-anchors.js';

export interface RunningVerificationService {
  address: string;
  /** The HTML report pages (http://host:port), when enabled. */
  httpUrl?: string;
  /** Stop consuming, stop taking calls, finish those in flight, publish what is pending, close connections. */
  stop(): Promise<void>;
}

/** Connects to the store, prepares its indexes, and returns the collection with the outbox. */
export async function openStore(config: VerificationConfig) {
  const connection = await connectStore(config.mongoUrl);
  const reports = reportModel(connection);
  await reports.createIndexes();
  return { connection, reports, outboxes: [reports.collection] as OutboxCollection[] };
}

export function outboxRelay(config: VerificationConfig, outboxes: OutboxCollection[], logger: Logger) {
  return kafkaOutboxRelay('verification-relay', config, outboxes, logger);
}

/** The validator with the configured trust anchors and JPKI revocation endpoints (files read once). */
export async function createVerifier(config: VerificationConfig, logger: Logger): Promise<Verifier> {
  const anchors = await readTrustAnchors(config.trustAnchorPaths);
  const jpkiEndpoints = await loadJpkiEndpoints(config.jpkiEndpoints);
  const verifier = new Verifier({
    trustAnchors: anchors.pem,
    allowTestJpki: config.allowTestJpki,
    jpkiEndpoints,
    ocspTimeoutMs: config.ocspTimeoutMs,
    crlTimeoutMs: config.crlTimeoutMs,
    maxDocumentBytes: config.maxDocumentBytes,
    verifyTimeoutMs: config.verifyTimeoutMs,
    concurrency: config.concurrency,
  });
  if (verifier.trustAnchorCount === 0) {
    logger.warn('no trust anchors are configured (TRUST_ANCHORS): every signature is INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND');
  } else {
    logger.info({ files: anchors.files, certificates: verifier.trustAnchorCount }, 'trust anchors loaded');
  }
  return verifier;
}

/** `tokens`: this service's own tokens when they are not to come from its client settings (tests). */
export async function startVerificationService(config: VerificationConfig, logger: Logger, tokens?: TokenSource): Promise<RunningVerificationService> {
  const access = openAccess(config.access, tokens);
  if (!access.tokens) throw new Error('the verification service needs its own client (AUTH_CLIENT_KEY_FILE) to read revisions from the document service');
  const verifier = await createVerifier(config, logger);
  const store = await openStore(config);
  const relay = config.runRelay ? outboxRelay(config, store.outboxes, logger) : undefined;
  const documents = new DocumentService(config.documentServiceAddress, config.callTimeoutMs, access.tokens);
  const verifications = new Verifications(verifier, documents, new ReportRepository(store.reports), config.verifyTimeoutMs, config.signerAddressPolicies, logger, (id) =>
    relay?.nudge(store.reports.collection.collectionName, id),
  );

  let server: Awaited<ReturnType<typeof startGrpcServer>> | undefined;
  let pages: RunningPages | undefined;
  const reportLinks = new ReportLinks(config.reportLinkKeys, config.reportLinkTtlMs, () => (pages ? (config.reportLinkBaseUrl ?? pages.url) : undefined));
  if (config.httpEnabled && !reportLinks.enabled) {
    logger.warn('no REPORT_LINK_KEY: every report page is refused and GetReport gives no report_url');
  }
  let consumer: EventConsumer | undefined;
  try {
    server = await startGrpcServer({
      host: config.grpcHost,
      port: config.grpcPort,
      services: [verificationService({ verifier, verifications, reportLinks }, authenticator(access.verifier), logger)],
      logger,
    });
    if (config.httpEnabled) {
      pages = await startPages(config.httpHost, config.httpPort, pagesApp(verifier, verifications, reportLinks, logger), config.verifyTimeoutMs + 10_000, logger);
    }
    relay?.start();
    if (config.consumeEvents) consumer = await startEventConsumer(config, verifications, logger);
  } catch (err) {
    await server?.shutdown(0);
    await pages?.close();
    await relay?.stop();
    documents.close();
    await store.connection.close();
    throw err;
  }
  server.setServing(true);
  const running = server;

  return {
    address: running.address,
    ...(pages ? { httpUrl: pages.url } : {}),
    stop: async () => {
      // No new events, then no new calls or pages; what is pending in the outbox next; the store last.
      await consumer?.stop();
      await Promise.all([running.shutdown(config.shutdownGraceMs), pages?.close()]);
      await relay?.stop();
      documents.close();
      await store.connection.close();
    },
  };
}
