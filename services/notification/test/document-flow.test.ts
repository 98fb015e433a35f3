import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentials } from '@grpc/grpc-js';
import {
  ContractKind,
  DocumentServiceClient,
  PartyKind,
  PartyRole,
  type CreateContractRequest,
  type UploadDocumentRequest,
} from '@jitsuin/proto/document/v1/document';
import { callClientStream } from '@jitsuin/rpc';
import { makePdf } from '@jitsuin/testkit';
import { startReceiver, startSmtp, type HttpReceiver, type SmtpCapture } from '@jitsuin/testkit/receivers';
import { testIssuer } from '@jitsuin/testkit/tokens';
import { testInfra } from '@jitsuin/testkit/vitest';
import {
  baseConfig,
  callUnary,
  closePublisher,
  exited,
  freePort,
  newTenant,
  setConfig,
  spawnService,
  startTestService,
  type TestService,
} from './harness.js';

/**
 * The real document service (its own process and database) emits the lifecycle events; the
 * notification service turns them into e-mail and webhooks. Checks that the two agree on the
 * events, and that nothing of the basic-4 facts the contract holds reaches anyone.
 */
let documentService: ChildProcess;
let documents: DocumentServiceClient;
let t: TestService;
let smtp: SmtpCapture;
let receiver: HttpReceiver;

beforeAll(async () => {
  smtp = await startSmtp();
  receiver = await startReceiver();
  t = await startTestService({ smtpUrl: smtp.url });
  const port = await freePort();
  const mongo = new URL(testInfra().mongoUrl);
  mongo.pathname = `/notify_doc_${randomUUID().slice(0, 8)}`;
  documentService = await spawnService(
    'services/document/src/main.ts',
    {
      DOCUMENT_GRPC_PORT: String(port),
      DOCUMENT_MONGO_URL: mongo.toString(),
      ...testInfra().kafkaEnv,
      ...testIssuer().env,
      RELAY_POLL_MS: '50',
      // Verdicts are not part of this test (and their group is shared); reminders come quickly.
      DOCUMENT_RUN_VERDICTS: 'false',
      DEADLINE_SCAN_MS: '200',
      REMIND_BEFORE_MS: String(2 * 3_600_000),
      LOG_LEVEL: 'warn',
    },
    `127.0.0.1:${port}`,
    'jitsuin.document.v1.DocumentService',
  );
  documents = new DocumentServiceClient(`127.0.0.1:${port}`, credentials.createInsecure(), testIssuer().memberOfRequestedTenant());
});
afterAll(async () => {
  documents?.close();
  if (documentService && documentService.exitCode === null) {
    documentService.kill('SIGTERM');
    await exited(documentService);
  }
  await t?.stop();
  await smtp?.stop();
  await receiver?.stop();
  await closePublisher();
});

function lease(tenantId: string, documentId: string, deadline: Date): CreateContractRequest {
  const person = (id: string, role: PartyRole, name: string) => ({
    id,
    kind: PartyKind.PARTY_KIND_PERSON,
    role,
    email: `${id}.${tenantId}@example.jp`,
    expectedFacts: { name, address: '大阪府大阪市北区梅田1-1', dateOfBirth: '1990-02-03', gender: 0 },
    sealId: '',
    language: 0,
  });
  return {
    tenantId,
    title: '建物賃貸借契約',
    kind: ContractKind.CONTRACT_KIND_LEASE,
    parties: [
      person('agent', PartyRole.PARTY_ROLE_LICENSED_AGENT, '佐藤　健'),
      person('tenant', PartyRole.PARTY_ROLE_TENANT, '高橋　美咲'),
      person('landlord', PartyRole.PARTY_ROLE_LANDLORD, '伊藤　誠'),
    ],
    documents: [{ documentId, title: '重要事項説明書', signerPartyIds: [] }],
    steps: [{ partyIds: ['agent'] }, { partyIds: ['tenant', 'landlord'] }],
    deadline,
    certifyingPartyId: '',
  };
}

describe('with the document service', () => {
  it('send invites the first step, the scheduler reminds it, void tells everyone; no basic-4 fact anywhere', async () => {
    const tenantId = newTenant('agency');
    const ops = `ops@${tenantId}.example.jp`;
    await setConfig(
      t,
      baseConfig(tenantId, {
        email: { enabled: true, from: '', operatorAddresses: [ops], notifyParties: true },
        webhooks: [{ url: `${receiver.url}/${tenantId}`, keys: [{ keyId: 'k', secret: `s-${randomUUID()}-${randomUUID()}` }], eventTypes: [] }],
      }),
    );
    const upload: UploadDocumentRequest[] = [
      { part: { $case: 'metadata', value: { tenantId, filename: 'jusetsu.pdf' } } },
      { part: { $case: 'chunk', value: makePdf(4096) } },
    ];
    const { document } = await callClientStream(documents.uploadDocument.bind(documents), upload);
    // Within the reminder window from the start: the scheduler reminds the open step.
    const { contract } = await callUnary(documents.createContract.bind(documents), lease(tenantId, document!.id, new Date(Date.now() + 3_600_000)));
    await callUnary(documents.sendContract.bind(documents), { tenantId, contractId: contract!.id });

    const mailsTo = (who: string) => smtp.mails.filter((m) => m.to.includes(`${who}.${tenantId}@example.jp`));
    await expect.poll(() => mailsTo('agent').map((m) => m.subject).sort(), { timeout: 30_000 }).toEqual([
      '【署名のお願い】建物賃貸借契約',
      '【署名期限のお知らせ】建物賃貸借契約',
    ]);
    expect(mailsTo('agent')[0]!.text).toContain('宅地建物取引士 様');
    // Step 2 is not open: tenant and landlord hear nothing yet.
    expect(mailsTo('tenant')).toHaveLength(0);

    await callUnary(documents.voidContract.bind(documents), { tenantId, contractId: contract!.id, comment: '条件変更のため' });
    await expect.poll(() => smtp.mails.filter((m) => m.subject === '【契約取消】建物賃貸借契約' && m.text.includes(contract!.id)).length, { timeout: 30_000 }).toBe(4);
    expect(mailsTo('tenant')[0]!.text).toContain('理由: 条件変更のため');

    const hooks = () => receiver.requests.filter((r) => r.path === `/${tenantId}`);
    await expect
      // Sent side by side: in any order.
      .poll(() => hooks().map((r) => String(r.headers['jitsuin-event-type'])).sort(), { timeout: 30_000 })
      .toEqual(['contract.created', 'contract.reminder', 'contract.sent', 'contract.step_opened', 'contract.voided']);

    const everything = [...smtp.mails.map((m) => m.raw + m.subject + m.text), ...hooks().map((r) => r.body.toString('utf8'))].join('\n');
    for (const fact of ['佐藤', '高橋', '伊藤', '梅田', '1990-02-03']) expect(everything).not.toContain(fact);
  });
});
