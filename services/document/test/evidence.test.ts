import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { credentials, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka, EventPublisher, newEvent, Topics, type EventEnvelope } from '@jitsuin/events';
import { checkEvidence, type EvidenceResult, type EventLogFile, type Manifest, type RevisionsFile, writeZip, ZipReader } from '@jitsuin/evidence';
import { Pkcs12Signer, type Signer } from '@jitsuin/pades';
import { ContractKind, DocumentServiceClient, Gender, PartyKind, PartyRole, RevisionKind, type Document } from '@jitsuin/proto/document/v1/document';
import { PadesLevel } from '@jitsuin/proto/signing/v1/signing';
import { VerificationServiceClient } from '@jitsuin/proto/verification/v1/verification';
import { createLogger } from '@jitsuin/rpc';
import { type PadesLevel as SignerLevel, signWith } from '@jitsuin/signer';
import { connectStore } from '@jitsuin/store';
import { makePdf } from '@jitsuin/testkit';
import { startGroupsAtEnd } from '@jitsuin/testkit/kafka';
import { CARD_FILES, CardSimulator, createTestPki, freePort, startPkiServers, type PkiManifest, type PkiServers } from '@jitsuin/testkit/pki';
import { testIssuer } from '@jitsuin/testkit/tokens';
import { testInfra } from '@jitsuin/testkit/vitest';
// The real verification service in process, as services/verification/test does the other way round.
import { readConfig as readVerificationConfig } from '../../verification/src/config.js';
import { startVerificationService, type RunningVerificationService } from '../../verification/src/service.js';
import { callClientStream, callUnary, revisionMessages, startTestService, statusOf, type TestService, upload } from './harness.js';

/**
 * Evidence for auditors (issue 5, section 3), against the real Kafka, FerretDB, verification
 * service and test PKI: a contract's two documents signed by a card (B-LT) and sealed by the
 * bank (B-LTA), each signature announced with signature.applied and verified by the verification
 * service; then ExportEvidence, `./jitsuin evidence verify`, and every kind of tampering.
 */

const exec = promisify(execFile);
const REPO = resolve(import.meta.dirname, '../../..');
const TSX = join(REPO, 'node_modules/.bin/tsx');
const MAIN = join(REPO, 'packages/cli/src/main.ts');

const kafka = () => createKafka({ ...testInfra().kafka, clientId: 'document-evidence-test', logLevel: 'NOTHING' });

async function publish(events: EventEnvelope[]): Promise<void> {
  const publisher = await EventPublisher.connect(kafka());
  try {
    await publisher.publish(events);
  } finally {
    await publisher.close();
  }
}

async function collect(stream: AsyncIterable<{ chunk: Buffer; filename: string; manifestSha256: string }>) {
  const chunks: Buffer[] = [];
  let filename = '';
  let manifestSha256 = '';
  for await (const m of stream) {
    if (!filename) ({ filename, manifestSha256 } = m);
    chunks.push(m.chunk);
  }
  return { zip: Buffer.concat(chunks), filename, manifestSha256 };
}

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Every member of a ZIP, in order. */
async function members(zip: Buffer): Promise<{ path: string; bytes: Buffer }[]> {
  const reader = await ZipReader.open(zip);
  try {
    const out = [];
    for (const path of reader.names) out.push({ path, bytes: await reader.read(path) });
    return out;
  } finally {
    reader.close();
  }
}

/** The same package with `change` applied to its members (flip a byte, remove one, add one). */
async function rezip(zip: Buffer, change: (m: { path: string; bytes: Buffer }[]) => { path: string; bytes: Buffer }[]): Promise<Buffer> {
  return bytesOf(writeZip(change(await members(zip)), new Date()));
}

function flipByte(bytes: Buffer, at = Math.floor(bytes.length / 2)): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

/** Polls `read` until `done` says its value will do (expect.poll is for tests, not hooks). */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(value)})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const failed = (r: EvidenceResult) => r.checks.filter((c) => c.status === 'fail');

let root: string;
let pkiManifest: PkiManifest;
let pki: PkiServers;
let trustFile: string;
let verification: RunningVerificationService;
let verificationMongoUrl: string;
let doc: TestService;
let docClient: DocumentServiceClient;
let exporter: TestService;
let exportClient: DocumentServiceClient;
let verificationClient: VerificationServiceClient;
let verificationGroupId: string;
let cli: { trust: string[] };

const tenantId = `bank-${randomUUID().slice(0, 8)}`;
let contractId: string;
let documentIds: string[];
let exported: { zip: Buffer; filename: string; manifestSha256: string };
let zipFile: string;
let borrowerCard: Signer;
let bankSeal: Signer;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'jitsuin-evidence-'));
  const port = await freePort();
  const created = await createTestPki(join(root, 'pki'), { baseUrl: `http://127.0.0.1:${port}` });
  pkiManifest = created.manifest;
  pki = await startPkiServers(created.dir, { port });
  trustFile = join(created.dir, created.manifest.trust.all);
  cli = { trust: ['--trust', trustFile, '--allow-test-jpki'] };
  const suffix = randomUUID().slice(0, 8);

  const lender = created.manifest.seals.lender!;
  // The platform's seal: in tests the test PKI's lender seal stands in for it.
  const evidenceSeal = { p12Path: join(created.dir, lender.p12), password: lender.password };
  const eventLogGroupId = `evidence-test-event-log-${suffix}`;
  const verdictsGroupId = `evidence-test-verdicts-${suffix}`;
  await startGroupsAtEnd(testInfra().kafka, [
    { groupId: eventLogGroupId, topics: [Topics.contract, Topics.signature, Topics.verification] },
    { groupId: verdictsGroupId, topics: [Topics.verification] },
  ]);
  // The document service keeps the log and records verdicts; it calls the verification service
  // only to export, which a second replica on the same store does below (each service needs the
  // other's address, and ports chosen ahead can be taken meanwhile).
  doc = await startTestService({ eventLogGroupId, verdictsGroupId, runScheduler: false, evidenceSeal });
  docClient = doc.client;

  const mongo = new URL(testInfra().mongoUrl);
  mongo.pathname = `/evidence_verification_${suffix}`;
  verificationMongoUrl = mongo.toString();
  const verificationConfig = {
    ...readVerificationConfig({ ...testInfra().kafkaEnv, DOCUMENT_SERVICE_ADDRESS: doc.service.address, TRUST_ANCHORS: trustFile, ALLOW_TEST_JPKI: 'true', ...testIssuer().env }),
    grpcPort: 0,
    httpEnabled: false,
    mongoUrl: verificationMongoUrl,
    groupId: `evidence-test-verification-${suffix}`,
    consumerMaxAttempts: 3,
    relayPollMs: 50,
    shutdownGraceMs: 2000,
  };
  verificationGroupId = verificationConfig.groupId;
  await startGroupsAtEnd(testInfra().kafka, [{ groupId: verificationConfig.groupId, topics: [Topics.signature] }]);
  verification = await startVerificationService(verificationConfig, createLogger('verification-test', process.env.TEST_LOG_LEVEL ?? 'warn'), testIssuer().tokens({ service: 'verification' }));
  verificationClient = new VerificationServiceClient(verification.address, credentials.createInsecure(), testIssuer().memberOfRequestedTenant());

  exporter = await startTestService({
    mongoUrl: doc.config.mongoUrl,
    runEventLog: false,
    runVerdicts: false,
    runRelay: false,
    runScheduler: false,
    verificationServiceAddress: verification.address,
    evidenceSeal,
  });
  exportClient = exporter.client;

  const cardDir = join(created.dir, 'people', 'yamada-taro');
  const card = CardSimulator.open(cardDir);
  const password = readFileSync(join(cardDir, CARD_FILES.password), 'utf8').trim();
  borrowerCard = { certificate: card.signingCertificate(), chain: [card.issuerCertificate()], sign: (d: Buffer) => card.sign(d, password) };
  bankSeal = await Pkcs12Signer.open(readFileSync(join(created.dir, lender.p12)), lender.password);
}, 180_000);

afterAll(async () => {
  verificationClient?.close();
  await exporter?.stop();
  await doc?.stop();
  await verification?.stop();
  await pki?.close();
  await rm(root, { recursive: true, force: true });
  for (const url of [verificationMongoUrl, doc?.config.mongoUrl]) {
    if (!url) continue;
    const connection = await connectStore(url).catch(() => undefined);
    await connection?.dropDatabase().catch(() => undefined);
    await connection?.close();
  }
});

async function getDocument(documentId: string): Promise<Document> {
  return (await callUnary(docClient.getDocument.bind(docClient), { tenantId, documentId })).document!;
}

async function download(documentId: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const m of docClient.downloadRevision({ tenantId, documentId, revisionId: '', offset: 0, length: 0 })) chunks.push(m.chunk);
  return Buffer.concat(chunks);
}

/** Signs a document's head, adds the revision, announces it, and waits for its verdict. */
async function signAndAnnounce(documentId: string, signer: Signer, who: { partyId: string; field: string; level: SignerLevel; kind: RevisionKind }) {
  const before = await getDocument(documentId);
  const signed = await signWith(await download(documentId), signer, { placement: { fieldName: who.field }, level: who.level, tsaUrl: pki.urls.tsa });
  const { revision } = await callClientStream(
    doc.signingClient.addRevision.bind(doc.signingClient),
    revisionMessages({ tenantId, documentId, parentRevisionId: before.headRevisionId, kind: who.kind, madeBy: who.partyId, description: `${who.field} signature` }, Buffer.concat(signed.parts)),
  );
  const applied = newEvent({
    tenantId,
    subject: contractId,
    payload: {
      $case: 'signatureApplied',
      value: { contractId, documentId, partyId: who.partyId, revisionId: revision!.id, fieldName: who.field, level: PadesLevel[`PADES_LEVEL_${who.level.replace('-', '_')}` as keyof typeof PadesLevel], certificateSerial: '01' },
    },
  });
  await publish([applied]);
  await until(
    async () => (await getDocument(documentId)).revisions.find((r) => r.id === revision!.id)?.verification?.indication,
    (v) => v !== undefined,
    `the verdict on ${who.partyId}'s revision of ${documentId}`,
  ).catch(async (err: Error) => {
    // Which side stopped: the verification service (no report) or the verdict's way back.
    const report = await callUnary(verificationClient.getReport.bind(verificationClient), { tenantId, revisionId: revision!.id }).then(
      (r) => `the verification service has its report (${r.report?.indication})`,
      (e: { details?: string }) => `the verification service has no report (${e.details ?? String(e)})`,
    );
    const admin = kafka().admin();
    await admin.connect();
    const group = await admin.describeGroups([verificationGroupId]);
    const committed = await admin.fetchOffsets({ groupId: verificationGroupId, topics: [Topics.signature] });
    const ends = await admin.fetchTopicOffsets(Topics.signature);
    await admin.disconnect();
    throw new Error(`${err.message}; ${report}; group ${JSON.stringify(group.groups.map((g) => [g.state, g.members.length]))} committed ${JSON.stringify(committed)} ends ${JSON.stringify(ends.map((o) => [o.partition, o.high]))}`);
  });
  return applied;
}

async function eventLogOf(zip: Buffer): Promise<EventLogFile> {
  const reader = await ZipReader.open(zip);
  try {
    return JSON.parse((await reader.read('event-log.json')).toString('utf8')) as EventLogFile;
  } finally {
    reader.close();
  }
}

describe('an evidence package of a signed contract', () => {
  beforeAll(async () => {
    const person = pkiManifest.people['yamada-taro']!.facts;
    documentIds = [];
    for (const label of ['loan agreement', 'mortgage-setting agreement']) {
      documentIds.push((await upload(docClient, tenantId, makePdf(24 * 1024, `Jitsuin ${label}`))).id);
    }
    const { contract } = await callUnary(docClient.createContract.bind(docClient), {
      tenantId,
      title: '住宅ローン契約 / Mortgage',
      kind: ContractKind.CONTRACT_KIND_MORTGAGE,
      parties: [
        { id: 'borrower', kind: PartyKind.PARTY_KIND_PERSON, role: PartyRole.PARTY_ROLE_BORROWER, email: 'borrower@example.jp', expectedFacts: { name: person.name, address: person.address, dateOfBirth: person.dateOfBirth, gender: Gender.GENDER_MALE }, sealId: '', language: 0 },
        { id: 'bank', kind: PartyKind.PARTY_KIND_ORGANIZATION, role: PartyRole.PARTY_ROLE_LENDER, email: 'ops@bank.example.jp', expectedFacts: undefined, sealId: 'lender', language: 0 },
      ],
      documents: documentIds.map((documentId, i) => ({ documentId, title: `Document ${i + 1}`, signerPartyIds: [] })),
      steps: [{ partyIds: ['borrower'] }, { partyIds: ['bank'] }],
      deadline: new Date(Date.now() + 86_400_000),
      certifyingPartyId: '',
    });
    contractId = contract!.id;
    await callUnary(docClient.sendContract.bind(docClient), { tenantId, contractId });

    let replay: EventEnvelope | undefined;
    for (const documentId of documentIds) {
      replay = await signAndAnnounce(documentId, borrowerCard, { partyId: 'borrower', field: 'Borrower', level: 'B-LT', kind: RevisionKind.REVISION_KIND_SIGNATURE });
    }
    for (const documentId of documentIds) {
      await signAndAnnounce(documentId, bankSeal, { partyId: 'bank', field: 'Bank', level: 'B-LTA', kind: RevisionKind.REVISION_KIND_SEAL });
    }
    // Kafka delivers at least once: the same event again is logged once.
    await publish([replay!]);

    // Every event reached the log: 4 signatures, each verified.
    const connection = await connectStore(doc.config.mongoUrl);
    try {
      const expected = { 'document.uploaded': 2, 'contract.created': 1, 'contract.sent': 1, 'revision.added': 4, 'signature.applied': 4, 'verification.completed': 4 };
      await until(
        async () => {
          const types = (await connection.db!.collection('event_log').find({ logId: contractId }).project({ type: 1 }).toArray()).map((e) => e.type as string);
          return Object.fromEntries(Object.keys(expected).map((t) => [t, types.filter((x) => x === t).length]));
        },
        (counts) => JSON.stringify(counts) === JSON.stringify(expected),
        'every event of the flow in the log',
      );
    } finally {
      await connection.close();
    }
    exported = await collect(exportClient.exportEvidence({ tenantId, contractId }));
    zipFile = join(root, exported.filename);
    await writeFile(zipFile, exported.zip);
  }, 600_000);

  it('holds the final PDFs, revisions, reports, the event log, the DSS data and a sealed manifest', async () => {
    expect(exported.filename).toBe(`evidence-${contractId}.zip`);
    const all = await members(exported.zip);
    const paths = all.map((m) => m.path);
    const manifest = JSON.parse(all.find((m) => m.path === 'manifest.json')!.bytes.toString('utf8')) as Manifest;
    expect(manifest.contractId).toBe(contractId);
    expect(Object.keys(manifest.files).sort()).toEqual(paths.filter((p) => p !== 'manifest.json' && p !== 'manifest.json.p7s').sort());
    for (const id of documentIds) {
      const final = all.find((m) => m.path === `documents/${id}/final.pdf`)!.bytes;
      expect(final.equals(await download(id))).toBe(true);
    }
    expect(paths.filter((p) => p.startsWith('reports/') && p.endsWith('.json'))).toHaveLength(2);
    expect(paths.filter((p) => p.startsWith('reports/') && p.endsWith('.html'))).toHaveLength(2);
    expect(paths.some((p) => p.startsWith('validation/certificates/'))).toBe(true);
    expect(paths.some((p) => p.startsWith('validation/crls/') || p.startsWith('validation/ocsp/'))).toBe(true);

    const revisions = JSON.parse(all.find((m) => m.path === 'revisions.json')!.bytes.toString('utf8')) as RevisionsFile;
    expect(revisions.documents.map((d) => d.revisions.map((r) => [r.kind, r.madeBy, r.verification?.indication ?? null]))).toEqual(
      documentIds.map(() => [
        ['ORIGINAL', 'upload', null],
        ['SIGNATURE', 'borrower', 'TOTAL_PASSED'],
        ['SEAL', 'bank', 'TOTAL_PASSED'],
      ]),
    );

    const log = await eventLogOf(exported.zip);
    const count = (type: string) => log.entries.filter((e) => e.type === type).length;
    expect(count('document.uploaded')).toBe(2);
    expect(count('contract.created')).toBe(1);
    expect(count('contract.sent')).toBe(1);
    expect(count('revision.added')).toBe(4);
    expect(count('signature.applied')).toBe(4);
    expect(count('verification.completed')).toBe(4);
    expect(new Set(log.entries.map((e) => e.eventId)).size).toBe(log.entries.length);
    expect(log.entries.map((e) => e.seq)).toEqual(log.entries.map((_, i) => i + 1));
    expect(log.head).toBe(manifest.eventLog.head);

    // Events never carry the basic-4 facts, so neither does the log.
    const person = pkiManifest.people['yamada-taro']!.facts;
    const logText = all.find((m) => m.path === 'event-log.json')!.bytes.toString('utf8');
    for (const fact of [person.name, person.address]) expect(logText).not.toContain(fact);
    const contractText = all.find((m) => m.path === 'contract.json')!.bytes.toString('utf8');
    for (const fact of [person.name, person.address]) expect(contractText).not.toContain(fact);
  });

  it('verifies offline: every file, the seal, the hash chain, the revisions, every PDF', async () => {
    const result = await checkEvidence(exported.zip, { trustAnchors: [readFileSync(trustFile, 'utf8')], allowJpkiTestHierarchy: true });
    expect(failed(result)).toEqual([]);
    expect(result.checks.find((c) => c.subject === 'manifest.json.p7s')?.message).toMatch(/valid: sealed by .*trusted through/);
    for (const id of documentIds) expect(result.checks.find((c) => c.subject === `documents/${id}/final.pdf` && /verified again/.test(c.message))?.message).toMatch(/TOTAL_PASSED, 3 signatures \(B-LTA, B-LTA, B-LTA\)/);

    const run = await exec(TSX, [MAIN, 'evidence', 'verify', zipFile, ...cli.trust], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });
    expect(run.stdout).toMatch(/evidence verified: all \d+ checks passed/);
    expect(run.stdout).toMatch(/^ok +event-log\.json: \d+ events, the hash chain is intact/m);
  }, 180_000);

  it('says the seal is untrusted without the platform seal\'s CA, and fails', async () => {
    const result = await checkEvidence(exported.zip, { trustAnchors: [], allowJpkiTestHierarchy: true });
    expect(failed(result).find((c) => c.subject === 'manifest.json.p7s')?.message).toMatch(/untrusted.*signature itself is valid/);
  }, 120_000);

  it('detects a flipped byte in every kind of member and names the file', async () => {
    const all = await members(exported.zip);
    const pick = (re: RegExp) => all.find((m) => re.test(m.path))!.path;
    const targets = [
      pick(/^documents\/.*\/final\.pdf$/),
      'revisions.json',
      pick(/^reports\/.*\.json$/),
      pick(/^reports\/.*\.html$/),
      'event-log.json',
      'contract.json',
      pick(/^validation\/certificates\//),
      'manifest.json',
      'manifest.json.p7s',
    ];
    const trust = { trustAnchors: [readFileSync(trustFile, 'utf8')], allowJpkiTestHierarchy: true };
    for (const target of targets) {
      const tampered = await rezip(exported.zip, (ms) => ms.map((m) => (m.path === target ? { ...m, bytes: flipByte(m.bytes) } : m)));
      const result = await checkEvidence(tampered, trust);
      expect(result.ok, target).toBe(false);
      const subjects = failed(result).map((c) => c.subject);
      if (target === 'manifest.json') {
        // The manifest itself: the seal no longer covers it (and what it lists may no longer match).
        expect(failed(result).find((c) => c.subject === 'manifest.json.p7s')?.message, target).toMatch(/does not match manifest\.json/);
      } else {
        expect(subjects, target).toContain(target);
      }
    }
  }, 300_000);

  it('names the event-log entry that was changed, even with the file re-hashed in the manifest', async () => {
    const log = await eventLogOf(exported.zip);
    log.entries[2]!.time = '2001-01-01T00:00:00.000Z';
    const result = await checkEvidence(
      await rezip(exported.zip, (ms) => ms.map((m) => (m.path === 'event-log.json' ? { ...m, bytes: Buffer.from(JSON.stringify(log)) } : m))),
      { trustAnchors: [readFileSync(trustFile, 'utf8')], allowJpkiTestHierarchy: true },
    );
    const subjects = failed(result).map((c) => c.subject);
    expect(subjects).toContain('event-log.json');
    expect(subjects).toContain(`event-log.json entry 3 (seq 3, event ${log.entries[2]!.eventId})`);
  }, 120_000);

  it('detects a byte flipped in the ZIP file itself, a member removed and a member added', async () => {
    const trust = { trustAnchors: [readFileSync(trustFile, 'utf8')], allowJpkiTestHierarchy: true };
    // PDFs are stored, not deflated: their text is in the archive as it is.
    const raw = Buffer.from(exported.zip);
    const at = raw.indexOf('Jitsuin loan agreement');
    expect(at).toBeGreaterThan(0);
    const flipped = await checkEvidence(flipByte(raw, at + 3), trust);
    expect(failed(flipped).map((c) => c.subject)).toContain(`documents/${documentIds[0]}/final.pdf`);

    const removedPath = `documents/${documentIds[1]}/final.pdf`;
    const removed = await checkEvidence(await rezip(exported.zip, (ms) => ms.filter((m) => m.path !== removedPath)), trust);
    expect(failed(removed).find((c) => c.subject === removedPath)?.message).toMatch(/missing/);

    const added = await checkEvidence(await rezip(exported.zip, (ms) => [...ms, { path: 'documents/extra/final.pdf', bytes: makePdf(2048) }]), trust);
    expect(failed(added).find((c) => c.subject === 'documents/extra/final.pdf')?.message).toMatch(/not listed in the manifest/);

    const tamperedFile = join(root, 'removed.zip');
    await writeFile(tamperedFile, await rezip(exported.zip, (ms) => ms.filter((m) => m.path !== removedPath)));
    const run = await exec(TSX, [MAIN, 'evidence', 'verify', tamperedFile, ...cli.trust], { cwd: REPO, encoding: 'utf8', timeout: 120_000 }).catch((e: { code: number; stdout: string }) => e);
    expect((run as { code?: number }).code).toBe(1);
    expect(run.stdout).toContain(`FAIL  ${removedPath}: is missing`);
    expect(run.stdout).toMatch(/evidence NOT verified/);
  }, 300_000);

  it('exits 2 for garbage and for a ZIP that is not an evidence package', async () => {
    const garbage = join(root, 'garbage.zip');
    await writeFile(garbage, Buffer.from('this is not a zip file at all'));
    const noManifest = join(root, 'no-manifest.zip');
    await writeFile(noManifest, await rezip(exported.zip, (ms) => ms.filter((m) => m.path !== 'manifest.json')));
    for (const [file, words] of [[garbage, /not a ZIP archive/], [noManifest, /no manifest\.json/]] as const) {
      const run = await exec(TSX, [MAIN, 'evidence', 'verify', file], { cwd: REPO, encoding: 'utf8', timeout: 60_000 }).catch((e: { code: number; stderr: string }) => e);
      expect((run as { code?: number }).code).toBe(2);
      expect(run.stderr).toMatch(words);
    }
  }, 120_000);

  it('refuses another tenant\'s contract and an unknown one', async () => {
    for (const request of [{ tenantId: 'other-tenant', contractId }, { tenantId, contractId: 'no-such-contract' }]) {
      expect((await statusOf(collect(exportClient.exportEvidence(request)))).code).toBe(status.NOT_FOUND);
    }
  });
});

describe('without a platform seal', () => {
  it('refuses ExportEvidence with FAILED_PRECONDITION, saying what to set', async () => {
    const other = await startTestService({ runEventLog: false, runVerdicts: false, runScheduler: false, runRelay: false });
    const client = new DocumentServiceClient(other.service.address, credentials.createInsecure(), testIssuer().memberOfRequestedTenant());
    try {
      const document = await upload(client, tenantId, makePdf(4096));
      const { contract } = await callUnary(client.createContract.bind(client), {
        tenantId,
        title: 'no seal',
        kind: ContractKind.CONTRACT_KIND_OTHER,
        parties: [{ id: 'bank', kind: PartyKind.PARTY_KIND_ORGANIZATION, role: PartyRole.PARTY_ROLE_LENDER, email: '', expectedFacts: undefined, sealId: 'lender', language: 0 }],
        documents: [{ documentId: document.id, title: 'd', signerPartyIds: [] }],
        steps: [{ partyIds: ['bank'] }],
        deadline: new Date(Date.now() + 86_400_000),
        certifyingPartyId: '',
      });
      const refused = await statusOf(collect(client.exportEvidence({ tenantId, contractId: contract!.id })));
      expect(refused.code).toBe(status.FAILED_PRECONDITION);
      expect(refused.details).toMatch(/EVIDENCE_SEAL_P12/);
    } finally {
      client.close();
      await other.stop();
      const connection = await connectStore(other.config.mongoUrl).catch(() => undefined);
      await connection?.dropDatabase().catch(() => undefined);
      await connection?.close();
    }
  });
});

