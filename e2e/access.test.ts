// Every gRPC method of the platform called as every kind of caller, against the platform as
// processes with its own token issuer (services/auth): no token, another tenant's sender, the
// tenant's auditor, sender and admin, and the platform's operator. Tokens come from the token
// endpoint (client credentials, private_key_jwt) for API clients the operator registers, as a
// bank's system gets them. What each caller may do is the table below; the answer of a caller
// who may is whatever the method makes of the request (the test checks only that access let it
// through), the answer of one who may not is the status that says why.
import { randomUUID } from 'node:crypto';
import { credentials, Metadata, status, type Client, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerInterceptor, type Role, type TokenSource } from '@jitsuin/auth';
import { operatorTokens, registerTenantClient } from '@jitsuin/cli/access';
import { AuthServiceClient, ClientAuthMethod } from '@jitsuin/proto/auth/v1/auth';
import { DocumentServiceClient, RevisionKind } from '@jitsuin/proto/document/v1/document';
import { NotificationServiceClient } from '@jitsuin/proto/notification/v1/notification';
import { PadesLevel, SigningServiceClient } from '@jitsuin/proto/signing/v1/signing';
import { VerificationServiceClient } from '@jitsuin/proto/verification/v1/verification';
import { makePdf } from '@jitsuin/testkit';
import { createMortgage, startE2e, type E2e, type MortgageContract } from './harness.js';

type CallerName = 'no token' | "another tenant's sender" | 'auditor' | 'sender' | 'admin' | 'operator';
const CALLERS: CallerName[] = ['no token', "another tenant's sender", 'auditor', 'sender', 'admin', 'operator'];

interface Clients {
  documents: DocumentServiceClient;
  signing: SigningServiceClient;
  verification: VerificationServiceClient;
  notification: NotificationServiceClient;
  auth: AuthServiceClient;
}

type Call = (c: Clients) => Promise<unknown>;

interface Method {
  name: string;
  /** Tenant roles (and the operator) that may call it; everyone else is PERMISSION_DENIED. */
  may: (Role | 'operator')[];
  /** Whether the request names the tenant's objects: another tenant's caller then finds nothing. */
  tenantScoped: boolean;
  call: Call;
}

let e: E2e;
let tenantA: string;
let contract: MortgageContract;
let revisionId: string;
const clients = new Map<CallerName, Clients>();

const deadline = { deadline: Date.now() + 60_000 };
const fresh = () => ({ deadline: Date.now() + 60_000 });
const unary = <Req, Res>(client: Client, method: (req: Req, md: Metadata, o: object, cb: (err: ServiceError | null, res: Res) => void) => unknown, req: Req) =>
  new Promise<Res>((resolve, reject) => method.call(client, req, new Metadata(), fresh(), (err, res) => (err ? reject(err) : resolve(res))));
const clientStream = <Req>(client: Client, method: (md: Metadata, o: object, cb: (err: ServiceError | null) => void) => { write(m: Req): boolean; end(): void }, messages: Req[]) =>
  new Promise<void>((resolve, reject) => {
    const call = method.call(client, new Metadata(), fresh(), (err) => (err ? reject(err) : resolve()));
    for (const m of messages) call.write(m);
    call.end();
  });
const serverStream = async (stream: AsyncIterable<unknown>) => {
  for await (const _ of stream) break;
};

function clientsWith(tokens: TokenSource | undefined): Clients {
  const options = tokens ? { interceptors: [bearerInterceptor(tokens)] } : {};
  const insecure = credentials.createInsecure();
  return {
    documents: new DocumentServiceClient(e.p.address.document, insecure, options),
    signing: new SigningServiceClient(e.p.address.signing, insecure, options),
    verification: new VerificationServiceClient(e.p.address.verification, insecure, options),
    notification: new NotificationServiceClient(e.p.address.notification, insecure, options),
    auth: new AuthServiceClient(e.p.address.auth, insecure, options),
  };
}

beforeAll(async () => {
  e = await startE2e('access');
  tenantA = `${e.p.id}-bank-a`;
  const tenantB = `${e.p.id}-bank-b`;
  const operator = operatorTokens(e.p.auth);
  const client = (tenant: string, role: 'admin' | 'sender' | 'auditor') => registerTenantClient(e.p.auth, e.p.address.auth, operator, tenant, [role]);
  clients.set('no token', clientsWith(undefined));
  clients.set("another tenant's sender", clientsWith(await client(tenantB, 'sender')));
  clients.set('auditor', clientsWith(await client(tenantA, 'auditor')));
  clients.set('sender', clientsWith(await client(tenantA, 'sender')));
  clients.set('admin', clientsWith(await client(tenantA, 'admin')));
  clients.set('operator', clientsWith(operator));
  // The tenant's objects the requests name: a sent mortgage, its documents and their revisions.
  contract = await createMortgage(e.p, tenantA);
  const { document } = await unary(e.p.documents, e.p.documents.getDocument, { tenantId: tenantA, documentId: contract.documentIds[0]! });
  revisionId = document!.headRevisionId;
}, 240_000);

afterAll(async () => {
  for (const c of clients.values()) for (const client of Object.values(c)) (client as Client).close();
  await e?.stop();
});

const ref = () => ({ tenantId: tenantA, contractId: contract.contractId, documentId: contract.documentIds[0]!, revisionId });
const pdf = makePdf(4 * 1024, 'access matrix');

const METHODS: Method[] = [
  { name: 'document CreateContract', may: ['sender'], tenantScoped: true, call: (c) => unary(c.documents, c.documents.createContract, { tenantId: tenantA, title: 'x', kind: 1, parties: [], documents: [], steps: [], deadline: new Date(Date.now() + 86_400_000), certifyingPartyId: '' }) },
  { name: 'document GetContract', may: ['sender', 'auditor', 'admin'], tenantScoped: true, call: (c) => unary(c.documents, c.documents.getContract, { tenantId: tenantA, contractId: contract.contractId }) },
  { name: 'document ListContracts', may: ['sender', 'auditor', 'admin'], tenantScoped: true, call: (c) => unary(c.documents, c.documents.listContracts, { tenantId: tenantA, pageSize: 10, pageToken: '', state: 0 }) },
  { name: 'document SendContract', may: ['sender'], tenantScoped: true, call: (c) => unary(c.documents, c.documents.sendContract, { tenantId: tenantA, contractId: contract.contractId }) },
  { name: 'document ExpireContract', may: ['sender'], tenantScoped: true, call: (c) => unary(c.documents, c.documents.expireContract, { tenantId: tenantA, contractId: contract.contractId }) },
  { name: 'document UploadDocument', may: ['sender'], tenantScoped: true, call: (c) => clientStream(c.documents, c.documents.uploadDocument, [{ part: { $case: 'metadata', value: { tenantId: tenantA, filename: 'a.pdf' } } }, { part: { $case: 'chunk', value: pdf } }]) },
  { name: 'document GetDocument', may: ['sender', 'auditor', 'admin'], tenantScoped: true, call: (c) => unary(c.documents, c.documents.getDocument, { tenantId: tenantA, documentId: contract.documentIds[0]! }) },
  {
    // Revisions are the signing service's alone: no member or client adds one, whatever kind it claims.
    name: 'document AddRevision',
    may: [],
    tenantScoped: true,
    call: (c) => clientStream(c.documents, c.documents.addRevision, [{ part: { $case: 'metadata', value: { tenantId: tenantA, documentId: contract.documentIds[0]!, parentRevisionId: revisionId, kind: RevisionKind.REVISION_KIND_SIGNATURE, madeBy: 'borrower', description: '' } } }, { part: { $case: 'chunk', value: pdf } }]),
  },
  { name: 'document DownloadRevision', may: ['sender', 'auditor', 'admin'], tenantScoped: true, call: (c) => serverStream(c.documents.downloadRevision({ tenantId: tenantA, documentId: contract.documentIds[0]!, revisionId, offset: 0, length: 16 }, deadline)) },
  { name: 'document ExportEvidence', may: ['sender', 'auditor', 'admin'], tenantScoped: true, call: (c) => serverStream(c.documents.exportEvidence({ tenantId: tenantA, contractId: contract.contractId }, fresh())) },
  { name: 'signing PrepareSignature', may: ['sender'], tenantScoped: true, call: (c) => unary(c.signing, c.signing.prepareSignature, { revision: ref(), partyId: 'borrower', placement: undefined, level: PadesLevel.PADES_LEVEL_B_B, certify: 0, signerCertificate: Buffer.from('not a certificate') }) },
  { name: 'signing CompleteSignature', may: ['sender'], tenantScoped: true, call: (c) => unary(c.signing, c.signing.completeSignature, { tenantId: tenantA, sessionId: randomUUID(), signatureValue: Buffer.alloc(256, 1), certificate: Buffer.from('x') }) },
  { name: 'signing Seal', may: ['sender'], tenantScoped: true, call: (c) => unary(c.signing, c.signing.seal, { revision: ref(), sealId: 'lender', placement: undefined, level: PadesLevel.PADES_LEVEL_B_B, certify: 0, lock: false, addFields: [] }) },
  { name: 'signing AddTimestamp', may: ['sender'], tenantScoped: true, call: (c) => unary(c.signing, c.signing.addTimestamp, { revision: ref(), fieldName: 'nothing' }) },
  { name: 'signing Extend', may: ['sender'], tenantScoped: true, call: (c) => unary(c.signing, c.signing.extend, { revision: ref(), level: PadesLevel.PADES_LEVEL_B_LT }) },
  { name: 'verification VerifyDocument (upload)', may: ['sender', 'auditor', 'admin'], tenantScoped: false, call: (c) => clientStream(c.verification, c.verification.verifyDocument, [{ part: { $case: 'start', value: { source: { $case: 'upload', value: true }, options: undefined } } }, { part: { $case: 'chunk', value: pdf } }]) },
  { name: 'verification VerifyDocument (stored)', may: ['sender', 'auditor', 'admin'], tenantScoped: true, call: (c) => clientStream(c.verification, c.verification.verifyDocument, [{ part: { $case: 'start', value: { source: { $case: 'stored', value: { tenantId: tenantA, documentId: contract.documentIds[0]!, revisionId } }, options: undefined } } }]) },
  { name: 'verification CheckCertificate', may: ['sender', 'auditor', 'admin'], tenantScoped: false, call: (c) => unary(c.verification, c.verification.checkCertificate, { certificate: Buffer.from('x'), intermediates: [], at: undefined }) },
  { name: 'verification GetReport', may: ['sender', 'auditor', 'admin'], tenantScoped: true, call: (c) => unary(c.verification, c.verification.getReport, { tenantId: tenantA, revisionId }) },
  { name: 'notification GetTenantConfig', may: ['admin', 'auditor'], tenantScoped: true, call: (c) => unary(c.notification, c.notification.getTenantConfig, { tenantId: tenantA }) },
  { name: 'notification SetTenantConfig', may: ['admin'], tenantScoped: true, call: (c) => unary(c.notification, c.notification.setTenantConfig, { config: { tenantId: tenantA, language: 0, portalUrl: 'https://portal.bank.example/contracts', email: undefined, webhooks: [], line: undefined, updatedAt: undefined } as never }) },
  { name: 'notification ListDeliveries', may: ['admin', 'sender', 'auditor'], tenantScoped: true, call: (c) => unary(c.notification, c.notification.listDeliveries, { tenantId: tenantA, eventId: '', pageSize: 10, pageToken: '', status: 0 }) },
  { name: 'notification ReplayDelivery', may: ['admin'], tenantScoped: true, call: (c) => unary(c.notification, c.notification.replayDelivery, { tenantId: tenantA, deliveryId: randomUUID() }) },
  { name: 'auth ListClients', may: ['admin', 'operator'], tenantScoped: true, call: (c) => unary(c.auth, c.auth.listClients, { tenantId: tenantA }) },
  { name: 'auth CreateClient', may: ['admin', 'operator'], tenantScoped: true, call: (c) => unary(c.auth, c.auth.createClient, { tenantId: tenantA, name: 'matrix', roles: ['auditor'], authMethod: ClientAuthMethod.CLIENT_AUTH_METHOD_CLIENT_SECRET_BASIC, jwksJson: '' }) },
];

/** What a caller gets: the status it expects, or 'through' when access lets the call through. */
function expected(method: Method, caller: CallerName): number | 'through' {
  if (caller === 'no token') return status.UNAUTHENTICATED;
  if (caller === 'operator') return method.may.includes('operator') ? 'through' : status.PERMISSION_DENIED;
  const role = caller === "another tenant's sender" ? 'sender' : caller;
  if (!method.may.includes(role)) return status.PERMISSION_DENIED;
  if (caller === "another tenant's sender" && method.tenantScoped) return status.NOT_FOUND;
  return 'through';
}

const codeOf = (call: Promise<unknown>) => call.then(() => status.OK, (err: ServiceError) => err.code);

describe('who may call every gRPC method', () => {
  for (const method of METHODS) {
    it(method.name, async () => {
      const answers: Record<string, string> = {};
      const wanted: Record<string, string> = {};
      for (const caller of CALLERS) {
        const code = await codeOf(method.call(clients.get(caller)!));
        const want = expected(method, caller);
        // Let through: the method answered the request itself (any answer but a refusal of the caller).
        const through = code !== status.UNAUTHENTICATED && code !== status.PERMISSION_DENIED && !(caller === "another tenant's sender" && code === status.NOT_FOUND);
        answers[caller] = want === 'through' ? (through ? 'through' : status[code]!) : status[code]!;
        wanted[caller] = want === 'through' ? 'through' : status[want]!;
      }
      expect(answers).toEqual(wanted);
    });
  }

  it("another tenant's sender sees none of the tenant's contracts, and the tenant's auditor changes nothing", async () => {
    const other = clients.get("another tenant's sender")!;
    const { contracts } = await unary(other.documents, other.documents.listContracts, { tenantId: '', pageSize: 50, pageToken: '', state: 0 });
    expect(contracts.map((c) => c.id)).not.toContain(contract.contractId);
    const auditor = clients.get('auditor')!;
    const before = (await unary(auditor.documents, auditor.documents.getContract, { tenantId: tenantA, contractId: contract.contractId })).contract!;
    expect(await codeOf(unary(auditor.documents, auditor.documents.voidContract, { tenantId: tenantA, contractId: contract.contractId, comment: 'auditor' }))).toBe(status.PERMISSION_DENIED);
    const after = (await unary(auditor.documents, auditor.documents.getContract, { tenantId: tenantA, contractId: contract.contractId })).contract!;
    expect(after.state).toBe(before.state);
  });
});
