import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { credentials } from '@grpc/grpc-js';
import { testIssuer } from '@jitsuin/testkit/tokens';
import { testInfra } from '@jitsuin/testkit/vitest';
import {
  ContractKind,
  DocumentServiceClient,
  PartyKind,
  PartyRole,
  type AddRevisionRequest,
  type CreateContractRequest,
  type Document,
  type UploadDocumentRequest,
} from '@jitsuin/proto/document/v1/document';
import { createKafka, ensureTopics, EventConsumer, Topics, type EventEnvelope } from '@jitsuin/events';
import { callClientStream, callUnary, createLogger } from '@jitsuin/rpc';
import { readConfig, type DocumentConfig } from '../src/config.js';
import { startDocumentService, type RunningDocumentService } from '../src/service.js';

/** A database of its own for each test file, on the shared FerretDB. */
export function testConfig(overrides: Partial<DocumentConfig> = {}): DocumentConfig {
  const mongo = new URL(testInfra().mongoUrl);
  const db = `doc_test_${randomUUID().slice(0, 8)}`;
  mongo.pathname = `/${db}`;
  return {
    ...readConfig({ ...testInfra().kafkaEnv, ...testIssuer().env }),
    grpcPort: 0,
    mongoUrl: mongo.toString(),
    // No reminders unless a test asks for them: they are events, and tests count events.
    remindBeforeMs: 0,
    // Replicas of one database share a consumer group; other test files have their own.
    verdictsGroupId: `document-verdicts-${db}`,
    eventLogGroupId: `document-event-log-${db}`,
    relayPollMs: 50,
    shutdownGraceMs: 2000,
    ...overrides,
  };
}

export interface TestService {
  service: RunningDocumentService;
  /** Calls as a member (sender, auditor, admin) of the tenant each request names. */
  client: DocumentServiceClient;
  /** Calls as the signing service: the only caller that may add revisions. */
  signingClient: DocumentServiceClient;
  config: DocumentConfig;
  stop(): Promise<void>;
}

export async function startTestService(overrides: Partial<DocumentConfig> = {}): Promise<TestService> {
  const config = testConfig(overrides);
  const service = await startDocumentService(config, createLogger('document-test', 'warn'), testIssuer().tokens({ service: 'document' }));
  const client = new DocumentServiceClient(service.address, credentials.createInsecure(), testIssuer().memberOfRequestedTenant());
  const signingClient = new DocumentServiceClient(service.address, credentials.createInsecure(), testIssuer().as({ service: 'signing' }));
  return {
    service,
    client,
    signingClient,
    config,
    stop: async () => {
      client.close();
      signingClient.close();
      await service.stop();
    },
  };
}

export function chunked(bytes: Buffer, size = 1024 * 1024): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return chunks;
}

export function uploadMessages(tenantId: string, pdf: Buffer, filename = 'contract.pdf'): UploadDocumentRequest[] {
  return [
    { part: { $case: 'metadata', value: { tenantId, filename } } },
    ...chunked(pdf).map((chunk) => ({ part: { $case: 'chunk' as const, value: chunk } })),
  ];
}

export async function upload(client: DocumentServiceClient, tenantId: string, pdf: Buffer): Promise<Document> {
  const response = await callClientStream(client.uploadDocument.bind(client), uploadMessages(tenantId, pdf));
  return response.document!;
}

export function revisionMessages(
  metadata: Extract<AddRevisionRequest['part'], { $case: 'metadata' }>['value'],
  pdf: Buffer,
): AddRevisionRequest[] {
  return [
    { part: { $case: 'metadata', value: metadata } },
    ...chunked(pdf).map((chunk) => ({ part: { $case: 'chunk' as const, value: chunk } })),
  ];
}

/** Every byte of a revision, read back through DownloadRevision. */
export async function download(
  client: DocumentServiceClient,
  request: { tenantId: string; documentId: string; revisionId?: string; offset?: number; length?: number },
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const stream = client.downloadRevision(
    { revisionId: '', offset: 0, length: 0, ...request },
    { deadline: Date.now() + 60_000 },
  );
  for await (const message of stream) chunks.push(message.chunk);
  return Buffer.concat(chunks);
}

export function mortgageRequest(tenantId: string, documentIds: string[], deadline = new Date(Date.now() + 86_400_000)): CreateContractRequest {
  const person = (id: string, role: PartyRole, name: string) => ({
    id,
    kind: PartyKind.PARTY_KIND_PERSON,
    role,
    email: `${id}@example.jp`,
    expectedFacts: { name, address: '東京都千代田区千代田1-1', dateOfBirth: '1985-04-01', gender: 0 },
    sealId: '',
    language: 0,
  });
  return {
    tenantId,
    title: '住宅ローン契約 / Mortgage',
    kind: ContractKind.CONTRACT_KIND_MORTGAGE,
    parties: [
      person('borrower', PartyRole.PARTY_ROLE_BORROWER, '山田　太郎'),
      person('co-borrower', PartyRole.PARTY_ROLE_CO_BORROWER, '山田　花子'),
      person('guarantor', PartyRole.PARTY_ROLE_GUARANTOR, '鈴木　一郎'),
      { id: 'bank', kind: PartyKind.PARTY_KIND_ORGANIZATION, role: PartyRole.PARTY_ROLE_LENDER, email: 'ops@bank.example.jp', expectedFacts: undefined, sealId: 'lender', language: 0 },
    ],
    documents: documentIds.map((documentId, i) => ({ documentId, title: `Document ${i + 1}`, signerPartyIds: [] })),
    steps: [{ partyIds: ['borrower', 'co-borrower'] }, { partyIds: ['guarantor'] }, { partyIds: ['bank'] }],
    deadline,
    certifyingPartyId: '',
  };
}


export { callUnary, callClientStream };

/** A consumer of the contract topic that keeps the events of one tenant, in arrival order. */
export async function collectEvents(tenantId: string, options: { onEvent?: (e: EventEnvelope) => Promise<void> } = {}) {
  const kafka = createKafka({ ...testInfra().kafka, clientId: 'document-test', logLevel: 'NOTHING' });
  await ensureTopics(kafka);
  const events: EventEnvelope[] = [];
  const consumer = new EventConsumer(kafka, {
    groupId: `document-test-${randomUUID()}`,
    topics: [Topics.contract],
    fromBeginning: true,
    handle: async (event) => {
      if (event.tenantId !== tenantId) return;
      await options.onEvent?.(event);
      events.push(event);
    },
  });
  await consumer.start();
  return { events, stop: () => consumer.stop() };
}

export { statusOf } from '@jitsuin/testkit';

/** Chunks stored, over every file's chunk collection (src/store/blobs.ts). */
export async function storedChunks(connection: Connection): Promise<number> {
  const names = (await connection.db!.listCollections().toArray()).map((c) => c.name).filter((name) => name.startsWith('blobs.chunks'));
  let total = 0;
  for (const name of names) total += await connection.collection(name).countDocuments();
  return total;
}
