import { authenticator, openAccess, type TokenSource } from '@jitsuin/auth';
import type { OutboxCollection } from '@jitsuin/events';
import { startGrpcServer, type Logger } from '@jitsuin/rpc';
import { connectStore, kafkaOutboxRelay } from '@jitsuin/store';
import { Contracts } from './app/contracts.js';
import { DeadlineScheduler } from './app/deadlines.js';
import { EvidenceExporter, openEvidenceSeal } from './app/evidence.js';
import { VerificationService } from './clients/verification-service.js';
import { EventLogRecorder, startEventLogConsumer } from './events/event-log.js';
import { ContractProgress } from './app/progress.js';
import { Documents } from './app/documents.js';
import type { DocumentConfig } from './config.js';
import { startVerdictConsumer } from './events/verdicts.js';
import { documentService } from './grpc/document-service.js';
import { BlobStore } from './store/blobs.js';
import { ContractRepository, contractModel } from './store/contracts.js';
import { DocumentRepository, documentModel } from './store/documents.js';
import { EventLogRepository } from './store/event-log.js';

export interface RunningDocumentService {
  address: string;
  /** Stop taking calls, finish those in flight, publish what is pending, close connections. */
  stop(): Promise<void>;
}

/** Connects to the store, prepares its indexes, and returns the collections with outboxes. */
export async function openStore(config: DocumentConfig) {
  const connection = await connectStore(config.mongoUrl);
  const contracts = contractModel(connection);
  const documents = documentModel(connection);
  const blobs = new BlobStore(connection);
  const eventLog = new EventLogRepository(connection);
  await Promise.all([contracts.createIndexes(), documents.createIndexes(), blobs.ensureIndexes(), eventLog.ensureIndexes()]);
  return { connection, contracts, documents, blobs, eventLog, outboxes: [contracts.collection, documents.collection] };
}

export function outboxRelay(config: DocumentConfig, outboxes: OutboxCollection[], logger: Logger) {
  return kafkaOutboxRelay('document-relay', config, outboxes, logger);
}

/** `tokens`: this service's own tokens when they are not to come from its client settings (tests). */
export async function startDocumentService(config: DocumentConfig, logger: Logger, tokens?: TokenSource): Promise<RunningDocumentService> {
  const access = openAccess(config.access, tokens);
  if (!access.tokens) logger.info("no client of its own (AUTH_CLIENT_KEY_FILE): the verification service's reports cannot be read, ExportEvidence is refused");
  const evidenceSeal = await openEvidenceSeal(config.evidenceSeal);
  if (!evidenceSeal) logger.info('no platform seal for evidence packages (EVIDENCE_SEAL_P12, EVIDENCE_SEAL_PASSWORD): ExportEvidence is refused');
  const store = await openStore(config);
  const relay = config.runRelay ? outboxRelay(config, store.outboxes, logger) : undefined;
  const nudge = (collectionName: string) => (id: string) => relay?.nudge(collectionName, id);
  const contractRepository = new ContractRepository(store.contracts);
  const documentRepository = new DocumentRepository(store.documents);
  const contractChanged = nudge(store.contracts.collection.collectionName);
  const eventLog = new EventLogRecorder(store.eventLog, contractRepository, documentRepository);
  const verification = new VerificationService(config.verificationServiceAddress, config.verificationCallTimeoutMs, access.tokens);
  const app = {
    contracts: new Contracts(contractRepository, documentRepository, contractChanged),
    documents: new Documents(
      new DocumentRepository(store.documents),
      contractRepository,
      store.blobs,
      config.maxDocumentBytes,
      nudge(store.documents.collection.collectionName),
    ),
    evidence: new EvidenceExporter(contractRepository, documentRepository, store.blobs, store.eventLog, eventLog, verification, evidenceSeal, {
      maxBytes: config.evidenceMaxBytes,
      maxEvents: 100_000,
    }),
  };
  const server = await startGrpcServer({
    host: config.grpcHost,
    port: config.grpcPort,
    services: [documentService(app, authenticator(access.verifier), logger)],
    logger,
  });
  relay?.start();
  const scheduler = config.runScheduler
    ? new DeadlineScheduler(contractRepository, documentRepository, app.contracts, { intervalMs: config.schedulerIntervalMs, remindBeforeMs: config.remindBeforeMs, batchSize: 100 }, logger, contractChanged)
    : undefined;
  scheduler?.start();
  // Both consumers join their groups at once; the service answers once they have (a consumer
  // group joined later would start after events published meanwhile).
  const [verdicts, eventLogConsumer] = await Promise.all([
    config.runVerdicts
      ? startVerdictConsumer(
          { kafka: config.kafka, groupId: config.verdictsGroupId },
          documentRepository,
          new ContractProgress(contractRepository, documentRepository, contractChanged),
          logger,
        )
      : undefined,
    config.runEventLog
      ? startEventLogConsumer({ kafka: config.kafka, groupId: config.eventLogGroupId, fromBeginning: config.eventLogFromBeginning }, eventLog, logger)
      : undefined,
  ]);
  server.setServing(true);

  return {
    address: server.address,
    stop: async () => {
      await server.shutdown(config.shutdownGraceMs);
      await scheduler?.stop();
      await verdicts?.stop();
      await eventLogConsumer?.stop();
      verification.close();
      await relay?.stop();
      await store.connection.close();
    },
  };
}
