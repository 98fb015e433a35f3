import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { createKafka, ensureTopics, EventConsumer, type EventEnvelope, type Topic } from '@jitsuin/events';
import {
  ContractKind,
  DocumentServiceClient,
  Gender,
  PartyKind,
  PartyRole,
  type Contract,
  type Document,
  type UploadDocumentRequest,
} from '@jitsuin/proto/document/v1/document';
import { SigningServiceClient, type RevisionRef } from '@jitsuin/proto/signing/v1/signing';
import { callClientStream, callUnary, createLogger } from '@jitsuin/rpc';
import { makePdf } from '@jitsuin/testkit';
import {
  CARD_FILES,
  CardSimulator,
  createTestPki,
  freePort,
  startPkiServers,
  type PkiManifest,
  type PkiServers,
} from '@jitsuin/testkit/pki';
import { testIssuer } from '@jitsuin/testkit/tokens';
import { testInfra } from '@jitsuin/testkit/vitest';
import { pdfsig as pdfsigOf } from '@jitsuin/testkit/validators';
// Tests run the real document service in process; production code talks to it over gRPC only.
import { readConfig as readDocumentConfig } from '../../document/src/config.js';
import { startDocumentService, type RunningDocumentService } from '../../document/src/service.js';
import { readConfig, type SigningConfig } from '../src/config.js';
import { connectStore } from '@jitsuin/store';
import { startSigningService, type RunningSigningService } from '../src/service.js';


/** A database of its own for each test file, on the shared FerretDB. */
function databaseUrl(prefix: string): string {
  const mongo = new URL(testInfra().mongoUrl);
  mongo.pathname = `/${prefix}_${randomUUID().slice(0, 8)}`;
  return mongo.toString();
}

export interface SigningInstance {
  service: RunningSigningService;
  /** Calls as a sender of the tenant each request names. */
  client: SigningServiceClient;
  config: SigningConfig;
  stop(): Promise<void>;
}

export interface World {
  /** Temp directory holding the test PKI (its keys never enter the repository) and outputs. */
  root: string;
  pkiDir: string;
  manifest: PkiManifest;
  pki: PkiServers;
  documentService: RunningDocumentService;
  /** The document service, as a member of the tenant each request names. */
  documents: DocumentServiceClient;
  /** The document service, as the signing service calls it (it alone adds revisions). */
  documentsAsSigningService: DocumentServiceClient;
  signing: SigningInstance;
  /** Another signing service on the same store and document service, with other settings. */
  startSigning(overrides?: Partial<SigningConfig>): Promise<SigningInstance>;
  card(personId: string): { card: CardSimulator; password: string };
  close(): Promise<void>;
}

export async function startWorld(overrides: Partial<SigningConfig> = {}): Promise<World> {
  const root = await mkdtemp(join(tmpdir(), 'jitsuin-signing-'));
  const port = await freePort();
  const created = await createTestPki(join(root, 'pki'), { baseUrl: `http://127.0.0.1:${port}` });
  const pki = await startPkiServers(created.dir, { port });
  const { kafkaEnv } = testInfra();

  const documentMongoUrl = databaseUrl('signing_doc_test');
  const documentService = await startDocumentService(
    {
      ...readDocumentConfig({ ...kafkaEnv, ...testIssuer().env }),
      grpcPort: 0,
      mongoUrl: documentMongoUrl,
      relayPollMs: 50,
      shutdownGraceMs: 2000,
    },
    createLogger('document-test', 'warn'),
    testIssuer().tokens({ service: 'document' }),
  );
  const documents = new DocumentServiceClient(documentService.address, credentials.createInsecure(), testIssuer().memberOfRequestedTenant());
  const documentsAsSigningService = new DocumentServiceClient(documentService.address, credentials.createInsecure(), testIssuer().as({ service: 'signing' }));

  const lender = created.manifest.seals.lender!;
  const signingMongoUrl = databaseUrl('signing_test');
  const instances: SigningInstance[] = [];
  const startSigning = async (extra: Partial<SigningConfig> = {}): Promise<SigningInstance> => {
    const config: SigningConfig = {
      ...readConfig({
        ...kafkaEnv,
        ...testIssuer().env,
        DOCUMENT_SERVICE_ADDRESS: documentService.address,
        TSA_URL: pki.urls.tsa,
        ALLOW_TEST_JPKI: 'true',
        SIGNING_CA_CERTS: join(created.dir, created.manifest.trust.jpkiSigning),
        SEAL_LENDER_P12: join(created.dir, lender.p12),
        SEAL_LENDER_PASSWORD: lender.password,
      }),
      grpcPort: 0,
      mongoUrl: signingMongoUrl,
      // The platform's own signing on contract events is for the end-to-end tests.
      runAutomation: false,
      relayPollMs: 50,
      shutdownGraceMs: 2000,
      callTimeoutMs: 30_000,
      ...overrides,
      ...extra,
    };
    const service = await startSigningService(config, createLogger('signing-test', 'warn'), testIssuer().tokens({ service: 'signing' }));
    const client = new SigningServiceClient(service.address, credentials.createInsecure(), testIssuer().memberOfRequestedTenant(['sender']));
    const instance = {
      service,
      client,
      config,
      stop: async () => {
        client.close();
        await service.stop();
      },
    };
    instances.push(instance);
    return instance;
  };
  const signing = await startSigning();

  const world: World = {
    root,
    pkiDir: created.dir,
    manifest: created.manifest,
    pki,
    documentService,
    documents,
    documentsAsSigningService,
    signing,
    startSigning,
    card(personId) {
      const dir = join(created.dir, 'people', personId);
      return { card: CardSimulator.open(dir), password: readPassword(dir) };
    },
    close: async () => {
      for (const instance of instances) await instance.stop();
      documents.close();
      documentsAsSigningService.close();
      await documentService.stop();
      // The servers running now: a test may have restarted them.
      await world.pki.close();
      await rm(root, { recursive: true, force: true });
      // The test databases go with the test (the shared FerretDB outlives every run).
      for (const url of [signingMongoUrl, documentMongoUrl]) {
        const connection = await connectStore(url).catch(() => undefined);
        await connection?.dropDatabase().catch(() => undefined);
        await connection?.close();
      }
    },
  };
  return world;
}

function readPassword(dir: string): string {
  return readFileSync(join(dir, CARD_FILES.password), 'utf8').trim();
}

/** The contract's parties: three card holders of the test PKI and the bank. */
export const PARTIES = { borrower: 'yamada-taro', 'co-borrower': 'yamada-hanako', guarantor: 'suzuki-ichiro' } as const;

const GENDERS = { MALE: Gender.GENDER_MALE, FEMALE: Gender.GENDER_FEMALE, UNKNOWN: Gender.GENDER_UNKNOWN } as const;

export interface Deal {
  tenantId: string;
  contract: Contract;
  document: Document;
  original: Buffer;
  ref(revisionId?: string): RevisionRef;
}

/** Uploads a PDF, creates a mortgage contract whose people are the test PKI's, and sends it. */
export async function newDeal(world: World, options: { send?: boolean; pdf?: Buffer; steps?: string[][]; certifyingPartyId?: string } = {}): Promise<Deal> {
  const tenantId = `bank-${randomUUID().slice(0, 8)}`;
  const original = options.pdf ?? makePdf(64 * 1024, 'Jitsuin mortgage contract');
  const document = await upload(world.documents, tenantId, original);
  const person = (id: keyof typeof PARTIES, role: PartyRole) => {
    const facts = world.manifest.people[PARTIES[id]]!.facts;
    return {
      id,
      kind: PartyKind.PARTY_KIND_PERSON,
      role,
      email: `${id}@example.jp`,
      expectedFacts: { name: facts.name, address: facts.address, dateOfBirth: facts.dateOfBirth, gender: GENDERS[facts.gender] },
      sealId: '',
      language: 0,
    };
  };
  const { contract } = await callUnary(world.documents.createContract.bind(world.documents), {
    tenantId,
    title: '住宅ローン契約 / Mortgage',
    kind: ContractKind.CONTRACT_KIND_MORTGAGE,
    parties: [
      person('borrower', PartyRole.PARTY_ROLE_BORROWER),
      person('co-borrower', PartyRole.PARTY_ROLE_CO_BORROWER),
      person('guarantor', PartyRole.PARTY_ROLE_GUARANTOR),
      { id: 'bank', kind: PartyKind.PARTY_KIND_ORGANIZATION, role: PartyRole.PARTY_ROLE_LENDER, email: 'ops@bank.example.jp', expectedFacts: undefined, sealId: 'lender', language: 0 },
    ],
    documents: [{ documentId: document.id, title: '金銭消費貸借契約書', signerPartyIds: [] }],
    // People in one step: these tests run no verification service, which opens later steps.
    steps: (options.steps ?? [['borrower', 'co-borrower', 'guarantor'], ['bank']]).map((partyIds) => ({ partyIds })),
    deadline: new Date(Date.now() + 86_400_000),
    certifyingPartyId: options.certifyingPartyId ?? '',
  });
  let sent = contract!;
  if (options.send !== false) {
    sent = (await callUnary(world.documents.sendContract.bind(world.documents), { tenantId, contractId: contract!.id })).contract!;
  }
  return {
    tenantId,
    contract: sent,
    document,
    original,
    ref: (revisionId = document.headRevisionId) => ({ tenantId, contractId: sent.id, documentId: document.id, revisionId }),
  };
}

export async function upload(client: DocumentServiceClient, tenantId: string, pdf: Buffer): Promise<Document> {
  const messages: UploadDocumentRequest[] = [{ part: { $case: 'metadata', value: { tenantId, filename: 'mortgage.pdf' } } }];
  for (let at = 0; at < pdf.length; at += 1024 * 1024) {
    messages.push({ part: { $case: 'chunk', value: pdf.subarray(at, at + 1024 * 1024) } });
  }
  return (await callClientStream(client.uploadDocument.bind(client), messages)).document!;
}

export async function getDocument(world: World, deal: Deal): Promise<Document> {
  return (await callUnary(world.documents.getDocument.bind(world.documents), { tenantId: deal.tenantId, documentId: deal.document.id })).document!;
}

/** Every byte of a revision (the head when none is named). */
export async function download(world: World, deal: Deal, revisionId = ''): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const stream = world.documents.downloadRevision(
    { tenantId: deal.tenantId, documentId: deal.document.id, revisionId, offset: 0, length: 0 },
    { deadline: Date.now() + 60_000 },
  );
  for await (const message of stream) chunks.push(message.chunk);
  return Buffer.concat(chunks);
}

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');


/** Poppler's pdfsig on the bytes: its per-signature validity lines, and its whole output. */
export async function pdfsig(world: World, pdf: Buffer): Promise<{ validity: string[]; out: string }> {
  const file = join(world.root, `check-${randomUUID().slice(0, 8)}.pdf`);
  await writeFile(file, pdf);
  const { out } = await pdfsigOf(file);
  return { validity: [...out.matchAll(/Signature Validation: (.*)/g)].map((m) => m[1]!.trim()), out };
}

/** A consumer of one topic that keeps the events of one tenant, in arrival order. */
export async function collectEvents(tenantId: string, topic: Topic) {
  const kafka = createKafka({ ...testInfra().kafka, clientId: 'signing-test', logLevel: 'NOTHING' });
  await ensureTopics(kafka);
  const events: EventEnvelope[] = [];
  const consumer = new EventConsumer(kafka, {
    groupId: `signing-test-${randomUUID()}`,
    topics: [topic],
    fromBeginning: true,
    handle: async (event) => {
      if (event.tenantId === tenantId) events.push(event);
    },
  });
  await consumer.start();
  return { events, stop: () => consumer.stop() };
}

export { callClientStream, callUnary };

export { statusOf } from '@jitsuin/testkit';
