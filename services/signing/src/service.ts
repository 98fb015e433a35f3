import type { OutboxCollection } from '@jitsuin/events';
import { authenticator, openAccess, type TokenSource } from '@jitsuin/auth';
import { startGrpcServer, type Logger } from '@jitsuin/rpc';
import { connectStore, kafkaOutboxRelay } from '@jitsuin/store';
import { defaultRevocationSources, jpkiRevocationSource, loadJpkiEndpoints } from '@jitsuin/verify';
import { ContractAutomation } from './app/automation.js';
import { MemoryBudget } from './app/memory.js';
import { Signing } from './app/signing.js';
import { DocumentService } from './clients/document-service.js';
import type { SigningConfig } from './config.js';
import { startContractConsumer } from './events/contract-consumer.js';
import { signingService } from './grpc/signing-service.js';
import { readCaCertificates, SealKeys } from './store/seal-keys.js';
import { SessionRepository, sessionModel } from './store/sessions.js';

export interface RunningSigningService {
  address: string;
  /** Stop taking calls, finish those in flight, publish what is pending, close connections. */
  stop(): Promise<void>;
}

/** Connects to the store, prepares its indexes, and returns the collection with the outbox. */
export async function openStore(config: SigningConfig) {
  const connection = await connectStore(config.mongoUrl);
  const sessions = sessionModel(connection);
  await sessions.createIndexes();
  return { connection, sessions, outboxes: [sessions.collection] };
}

export function outboxRelay(config: SigningConfig, outboxes: OutboxCollection[], logger: Logger) {
  return kafkaOutboxRelay('signing-relay', config, outboxes, logger);
}

/** Cleans up expired sessions now and then (FerretDB has no TTL index). */
function startSweeper(repository: SessionRepository, config: SigningConfig, logger: Logger) {
  let running: Promise<void> | undefined;
  const sweep = () => {
    running ??= repository
      .sweep(new Date(), config.sessionRetentionMs)
      .then(({ dropped, deleted }) => {
        if (dropped + deleted > 0) logger.debug({ dropped, deleted }, 'expired signing sessions cleaned up');
      })
      .catch((err: unknown) => logger.warn({ err: String(err) }, 'cannot clean up expired signing sessions; will try again'))
      .finally(() => (running = undefined));
  };
  const timer = setInterval(sweep, config.sessionSweepMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}

/** `tokens`: this service's own tokens when they are not to come from its client settings (tests). */
export async function startSigningService(config: SigningConfig, logger: Logger, tokens?: TokenSource): Promise<RunningSigningService> {
  const access = openAccess(config.access, tokens);
  if (!access.tokens) throw new Error('the signing service needs its own client (AUTH_CLIENT_KEY_FILE) to read and add revisions at the document service');
  // Seal keys first: a missing file or a wrong password stops the start, with the reason.
  const seals = await SealKeys.open(config.seals.values());
  const caCertificates = await readCaCertificates(config.signingCaFiles);
  if (caCertificates.length === 0) logger.warn('no JPKI signing CAs are configured (SIGNING_CA_CERTS): PrepareSignature refuses every card');
  // The verifier's sources, created once (each caches its answers until their nextUpdate).
  const jpkiEndpoints = await loadJpkiEndpoints(config.jpkiEndpoints);
  const revocation = [
    ...(jpkiEndpoints.length > 0 ? [jpkiRevocationSource(jpkiEndpoints, { timeoutMs: config.revocationTimeoutMs })] : []),
    ...defaultRevocationSources({ timeoutMs: config.revocationTimeoutMs }),
  ];
  if (seals.ids.length === 0) logger.info('no seals are configured: Seal answers FAILED_PRECONDITION');
  if (!config.tsaUrl) logger.info('no timestamp authority is configured (TSA_URL): only B-B signatures are made');
  const store = await openStore(config);
  const relay = config.runRelay ? outboxRelay(config, store.outboxes, logger) : undefined;
  const repository = new SessionRepository(store.sessions);
  const documents = new DocumentService(config.documentServiceAddress, config.callTimeoutMs, access.tokens);
  const signing = new Signing(
    documents,
    repository,
    seals,
    new MemoryBudget(config.memoryBudgetBytes),
    {
      tsaUrl: config.tsaUrl,
      sessionTtlMs: config.sessionTtlMs,
      maxDocumentBytes: config.maxDocumentBytes,
      allowTestJpki: config.allowTestJpki,
      caCertificates,
      revocation,
      callTimeoutMs: config.callTimeoutMs,
    },
    (id) => relay?.nudge(store.sessions.collection.collectionName, id),
  );
  let server;
  try {
    server = await startGrpcServer({
      host: config.grpcHost,
      port: config.grpcPort,
      services: [signingService(signing, authenticator(access.verifier), logger)],
      logger,
    });
  } catch (err) {
    documents.close();
    await store.connection.close();
    throw err;
  }
  const sweeper = startSweeper(repository, config, logger);
  relay?.start();
  const automation = config.runAutomation
    ? await startContractConsumer(
        { kafka: config.kafka, groupId: config.automationGroupId },
        new ContractAutomation(signing, documents, { level: config.tsaUrl ? 'B-T' : 'B-B', callTimeoutMs: config.callTimeoutMs }, logger),
        logger,
      )
    : undefined;
  server.setServing(true);

  return {
    address: server.address,
    stop: async () => {
      await server.shutdown(config.shutdownGraceMs);
      await automation?.stop();
      await sweeper.stop();
      await relay?.stop();
      documents.close();
      await store.connection.close();
    },
  };
}
