import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { createKafka, ensureTopics, EventConsumer, EventPublisher, type EventEnvelope, type Topic, Topics } from '@jitsuin/events';
import { DocumentServiceClient, RevisionKind, type AddRevisionRequest, type Document, type UploadDocumentRequest } from '@jitsuin/proto/document/v1/document';
import { VerificationServiceClient, type VerifyDocumentRequest, type VerifyDocumentResponse } from '@jitsuin/proto/verification/v1/verification';
import { callClientStream, callUnary, createLogger } from '@jitsuin/rpc';
import type { Signer } from '@jitsuin/pades';
import { signWith, type PadesLevel } from '@jitsuin/signer';
import { connectStore } from '@jitsuin/store';
import { makePdf } from '@jitsuin/testkit';
import { startGroupsAtEnd } from '@jitsuin/testkit/kafka';
import { CARD_FILES, CardSimulator, createTestPki, freePort, type PersonSpec, startPkiServers, type PkiManifest, type PkiServers } from '@jitsuin/testkit/pki';
import { testIssuer } from '@jitsuin/testkit/tokens';
import { testInfra } from '@jitsuin/testkit/vitest';
// Tests run the real document service in process; production code talks to it over gRPC only.
import { readConfig as readDocumentConfig } from '../../document/src/config.js';
import { startDocumentService, type RunningDocumentService } from '../../document/src/service.js';
import { readConfig, type VerificationConfig } from '../src/config.js';
import { startVerificationService, type RunningVerificationService } from '../src/service.js';

/** A database of its own for each test file, on the shared FerretDB. */
function databaseUrl(prefix: string): string {
  const mongo = new URL(testInfra().mongoUrl);
  mongo.pathname = `/${prefix}_${randomUUID().slice(0, 8)}`;
  return mongo.toString();
}

const kafka = () => createKafka({ ...testInfra().kafka, clientId: 'verification-test', logLevel: 'NOTHING' });

export interface World {
  root: string;
  pkiDir: string;
  manifest: PkiManifest;
  pki: PkiServers;
  /** PEM file of every CA of the test PKI (the trust anchors the service is given). */
  trustFile: string;
  documentService: RunningDocumentService;
  /** The document service as a member of the tenant each request names. */
  documents: DocumentServiceClient;
  documentsAsSigningService: DocumentServiceClient;
  service: RunningVerificationService;
  client: VerificationServiceClient;
  config: VerificationConfig;
  /** Another verification service on the same store, with other settings (no consumer, no pages). */
  startAnother(overrides: Partial<VerificationConfig>): Promise<{ client: VerificationServiceClient; stop(): Promise<void> }>;
  card(personId: string): Signer;
  close(): Promise<void>;
}

/** `config`: settings of the service under test; `people`: the test PKI's card holders (default SAMPLE_PEOPLE). */
export async function startWorld(options: { config?: Partial<VerificationConfig>; people?: PersonSpec[] } = {}): Promise<World> {
  const root = await mkdtemp(join(tmpdir(), 'jitsuin-verification-'));
  const port = await freePort();
  const created = await createTestPki(join(root, 'pki'), { baseUrl: `http://127.0.0.1:${port}`, ...(options.people ? { people: options.people } : {}) });
  const pki = await startPkiServers(created.dir, { port });
  const { kafkaEnv } = testInfra();
  const suffix = randomUUID().slice(0, 8);

  const documentMongoUrl = databaseUrl('verification_doc_test');
  const verdictsGroupId = `verification-test-verdicts-${suffix}`;
  await startGroupsAtEnd(testInfra().kafka, [{ groupId: verdictsGroupId, topics: [Topics.verification] }]);
  const documentService = await startDocumentService(
    { ...readDocumentConfig({ ...kafkaEnv, ...testIssuer().env }), grpcPort: 0, mongoUrl: documentMongoUrl, relayPollMs: 50, shutdownGraceMs: 2000, verdictsGroupId, runScheduler: false },
    createLogger('document-test', 'warn'),
    testIssuer().tokens({ service: 'document' }),
  );
  const documents = new DocumentServiceClient(documentService.address, credentials.createInsecure(), testIssuer().memberOfRequestedTenant());
  // Revisions are the signing service's to add: the tests add theirs as it would.
  const documentsAsSigningService = new DocumentServiceClient(documentService.address, credentials.createInsecure(), testIssuer().as({ service: 'signing' }));

  const trustFile = join(created.dir, created.manifest.trust.all);
  const mongoUrl = databaseUrl('verification_test');
  const base = readConfig({
    ...kafkaEnv,
    DOCUMENT_SERVICE_ADDRESS: documentService.address,
    TRUST_ANCHORS: trustFile,
    ALLOW_TEST_JPKI: 'true',
    ...testIssuer().env,
    // Report pages open with links signed by the current key, or by the previous one (rotation).
    REPORT_LINK_KEY: randomBytes(32).toString('base64'),
    REPORT_LINK_PREVIOUS_KEY: randomBytes(32).toString('base64'),
  });
  const config: VerificationConfig = {
    ...base,
    grpcPort: 0,
    httpPort: 0,
    mongoUrl,
    groupId: `verification-test-${suffix}`,
    consumerMaxAttempts: 3,
    relayPollMs: 50,
    shutdownGraceMs: 2000,
    ...options.config,
  };
  await startGroupsAtEnd(testInfra().kafka, [{ groupId: config.groupId, topics: [Topics.signature] }]);
  const logger = createLogger('verification-test', process.env.TEST_LOG_LEVEL ?? 'warn');
  const service = await startVerificationService(config, logger, testIssuer().tokens({ service: 'verification' }));
  const client = new VerificationServiceClient(service.address, credentials.createInsecure(), testIssuer().memberOfRequestedTenant());
  const others: { stop(): Promise<void> }[] = [];

  return {
    root,
    pkiDir: created.dir,
    manifest: created.manifest,
    pki,
    trustFile,
    documentService,
    documents,
    documentsAsSigningService,
    service,
    client,
    config,
    async startAnother(overrides) {
      const s = await startVerificationService({ ...config, consumeEvents: false, httpEnabled: false, runRelay: false, ...overrides }, logger, testIssuer().tokens({ service: 'verification' }));
      const c = new VerificationServiceClient(s.address, credentials.createInsecure(), testIssuer().memberOfRequestedTenant());
      const other = {
        client: c,
        stop: async () => {
          c.close();
          await s.stop();
        },
      };
      others.push(other);
      return other;
    },
    card(personId) {
      const dir = join(created.dir, 'people', personId);
      const card = CardSimulator.open(dir);
      const password = readPasswordSync(dir);
      return { certificate: card.signingCertificate(), chain: [card.issuerCertificate()], sign: (digestInfo: Buffer) => card.sign(digestInfo, password) };
    },
    close: async () => {
      for (const o of others) await o.stop();
      client.close();
      await service.stop();
      documents.close();
      documentsAsSigningService.close();
      await documentService.stop();
      await pki.close();
      await rm(root, { recursive: true, force: true });
      for (const url of [mongoUrl, documentMongoUrl]) {
        const connection = await connectStore(url).catch(() => undefined);
        await connection?.dropDatabase().catch(() => undefined);
        await connection?.close();
      }
    },
  };
}

function readPasswordSync(dir: string): string {
  return readFileSync(join(dir, CARD_FILES.password), 'utf8').trim();
}

/** A PDF signed by `signer` at `level` (one field), as one buffer. */
export async function signed(world: World, pdf: Buffer, signer: Signer, level: PadesLevel, fieldName = 'Borrower'): Promise<Buffer> {
  const r = await signWith(pdf, signer, { placement: { fieldName }, level, tsaUrl: world.pki.urls.tsa });
  return Buffer.concat(r.parts);
}

export const contractPdf = (label: string) => makePdf(16 * 1024, `Jitsuin ${label}`);

/** VerifyDocument with an upload of `pdf` in chunks of `chunk` bytes. */
export function verifyUpload(client: VerificationServiceClient, pdf: Buffer, options: { at?: Date; offline?: boolean } = {}, chunk = 256 * 1024): Promise<VerifyDocumentResponse> {
  const messages: VerifyDocumentRequest[] = [{ part: { $case: 'start', value: { source: { $case: 'upload', value: true }, options: { offline: options.offline ?? false, at: options.at } } } }];
  for (let at = 0; at < pdf.length; at += chunk) messages.push({ part: { $case: 'chunk', value: pdf.subarray(at, at + chunk) } });
  return callClientStream(client.verifyDocument.bind(client), messages);
}

export function verifyStored(client: VerificationServiceClient, ref: { tenantId: string; documentId: string; revisionId: string }): Promise<VerifyDocumentResponse> {
  return callClientStream(client.verifyDocument.bind(client), [{ part: { $case: 'start', value: { source: { $case: 'stored', value: ref }, options: undefined } } }]);
}

export async function upload(world: World, tenantId: string, pdf: Buffer): Promise<Document> {
  const messages: UploadDocumentRequest[] = [{ part: { $case: 'metadata', value: { tenantId, filename: 'contract.pdf' } } }];
  for (let at = 0; at < pdf.length; at += 1024 * 1024) messages.push({ part: { $case: 'chunk', value: pdf.subarray(at, at + 1024 * 1024) } });
  return (await callClientStream(world.documents.uploadDocument.bind(world.documents), messages)).document!;
}

export async function addRevision(world: World, tenantId: string, document: Document, pdf: Buffer): Promise<string> {
  const messages: AddRevisionRequest[] = [
    { part: { $case: 'metadata', value: { tenantId, documentId: document.id, parentRevisionId: document.headRevisionId, kind: RevisionKind.REVISION_KIND_SIGNATURE, madeBy: 'borrower', description: 'test signature' } } },
  ];
  for (let at = 0; at < pdf.length; at += 1024 * 1024) messages.push({ part: { $case: 'chunk', value: pdf.subarray(at, at + 1024 * 1024) } });
  const c = world.documentsAsSigningService;
  return (await callClientStream(c.addRevision.bind(c), messages)).revision!.id;
}

export async function getDocument(world: World, tenantId: string, documentId: string): Promise<Document> {
  return (await callUnary(world.documents.getDocument.bind(world.documents), { tenantId, documentId })).document!;
}

/** Publishes events (or raw bytes) to a topic, keyed as a producer would. */
export async function publish(topic: Topic, messages: { key: string; value: Buffer }[]): Promise<void> {
  const producer = kafka().producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

export async function publishEvents(events: EventEnvelope[]): Promise<void> {
  const publisher = await EventPublisher.connect(kafka());
  try {
    await publisher.publish(events);
  } finally {
    await publisher.close();
  }
}

/** A consumer of one topic that keeps the events of one tenant, in arrival order. */
export async function collectEvents(tenantId: string, topic: Topic) {
  const k = kafka();
  await ensureTopics(k);
  const events: EventEnvelope[] = [];
  const groupId = `verification-test-collect-${randomUUID()}`;
  await startGroupsAtEnd(testInfra().kafka, [{ groupId, topics: [topic] }]);
  const consumer = new EventConsumer(k, {
    groupId,
    topics: [topic],
    handle: async (event) => {
      if (event.tenantId === tenantId) events.push(event);
    },
  });
  await consumer.start();
  return { events, stop: () => consumer.stop() };
}

/** The report without the time-of-check fields (revocation.checkedAt), for comparing runs. */
export function withoutCheckTimes(reportJson: string): unknown {
  const report = JSON.parse(reportJson) as { signatures: { revocation: { checkedAt?: string } }[] };
  for (const s of report.signatures) delete s.revocation.checkedAt;
  return report;
}

export { readFile };
export { statusOf } from '@jitsuin/testkit';
