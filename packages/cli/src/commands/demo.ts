import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { bearerInterceptor, type TokenSource } from '@jitsuin/auth';
import {
  type Contract,
  type CreateContractRequest,
  ContractKind,
  ContractState,
  DocumentServiceClient,
  Gender,
  PartyKind,
  PartyRole,
} from '@jitsuin/proto/document/v1/document';
import { PadesLevel, SigningServiceClient } from '@jitsuin/proto/signing/v1/signing';
import { callClientStream, callUnary, isServing } from '@jitsuin/rpc';
import { makePdf } from '@jitsuin/testkit';
import { CARD_FILES, CardSimulator, SAMPLE_PEOPLE, type TestPki } from '@jitsuin/testkit/pki';
import { checkEvidence } from '@jitsuin/evidence';
import { operatorTokens, registerTenantClient } from '../access.js';
import { currentPlatformPki, platformAuth } from '../platform.js';
import { exportEvidenceToFile } from './evidence.js';

/**
 * `./jitsuin demo mortgage|lease`: a whole contract against the running platform (./jitsuin up),
 * as its users would go through it: the sender uploads and sends, each person signs with a card
 * (the test PKI's card simulators stand in for the phone) when the platform invites them, the
 * platform seals, extends to B-LTA and completes the contract; then the auditor's evidence.
 */

export const DEMO_USAGE = `usage: ./jitsuin demo mortgage|lease [--timeout SECONDS]

  mortgage  a bank's mortgage package: loan agreement, mortgage-setting agreement and guarantee;
            the bank certifies each document, borrower and co-borrower sign (in parallel), then
            the guarantor, then the bank's final seal locks each document; B-LTA; completed
  lease     a real-estate lease: the licensed agent (宅建士) signs the explanation of important
            matters, tenant and landlord sign the lease, then the agency's seal

Then it writes the contract's evidence package (the final PDFs, every revision's hash, the
verification reports, the event log as a sealed hash chain, certificates and revocation data)
into the current directory, checks it offline as an auditor would, and prints its path.

Runs against ./jitsuin up (DOCUMENT_GRPC_PORT, SIGNING_GRPC_PORT override the ports).
`;

export interface PartyPlan {
  id: string;
  role: PartyRole;
  /** A sample person of the test PKI (their card signs), or an organisation's seal. */
  person?: string;
  sealId?: string;
  email: string;
}

export interface FlowPlan {
  kind: ContractKind;
  title: string;
  tenantPrefix: string;
  parties: PartyPlan[];
  documents: { title: string; text: string; signers: string[] }[];
  steps: string[][];
  certifier?: string;
}

export const FLOWS: Record<string, FlowPlan> = {
  mortgage: {
    kind: ContractKind.CONTRACT_KIND_MORTGAGE,
    title: '住宅ローン契約一式 / Mortgage package',
    tenantPrefix: 'demo-bank',
    parties: [
      { id: 'borrower', role: PartyRole.PARTY_ROLE_BORROWER, person: 'yamada-taro', email: 'taro@example.jp' },
      { id: 'co-borrower', role: PartyRole.PARTY_ROLE_CO_BORROWER, person: 'yamada-hanako', email: 'hanako@example.jp' },
      { id: 'guarantor', role: PartyRole.PARTY_ROLE_GUARANTOR, person: 'suzuki-ichiro', email: 'ichiro@example.jp' },
      { id: 'bank', role: PartyRole.PARTY_ROLE_LENDER, sealId: 'lender', email: 'loans@bank.example.jp' },
    ],
    documents: [
      { title: '金銭消費貸借契約書', text: 'Loan agreement', signers: ['borrower', 'co-borrower', 'bank'] },
      { title: '抵当権設定契約書', text: 'Mortgage-setting agreement', signers: ['borrower', 'co-borrower', 'bank'] },
      { title: '保証契約書', text: 'Guarantee', signers: ['borrower', 'co-borrower', 'guarantor', 'bank'] },
    ],
    steps: [['borrower', 'co-borrower'], ['guarantor'], ['bank']],
    certifier: 'bank',
  },
  lease: {
    kind: ContractKind.CONTRACT_KIND_LEASE,
    title: '賃貸借契約 / Residential lease',
    tenantPrefix: 'demo-agency',
    parties: [
      { id: 'agent', role: PartyRole.PARTY_ROLE_LICENSED_AGENT, person: 'ito-sakura', email: 'agent@agency.example.jp' },
      { id: 'tenant', role: PartyRole.PARTY_ROLE_TENANT, person: 'sato-misaki', email: 'misaki@example.jp' },
      { id: 'landlord', role: PartyRole.PARTY_ROLE_LANDLORD, person: 'takahashi-ken', email: 'ken@example.jp' },
      { id: 'agency', role: PartyRole.PARTY_ROLE_AGENCY, sealId: 'agency', email: 'leasing@agency.example.jp' },
    ],
    documents: [
      { title: '重要事項説明書', text: 'Explanation of important matters', signers: ['agent', 'agency'] },
      { title: '賃貸借契約書', text: 'Lease agreement', signers: ['tenant', 'landlord', 'agency'] },
    ],
    steps: [['agent'], ['tenant', 'landlord'], ['agency']],
  },
};

const GENDERS = { MALE: Gender.GENDER_MALE, FEMALE: Gender.GENDER_FEMALE, UNKNOWN: Gender.GENDER_UNKNOWN } as const;
const STATES = Object.fromEntries(Object.entries(ContractState).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v, k.replace('CONTRACT_STATE_', '')]));
const ENDED = [ContractState.CONTRACT_STATE_VOIDED, ContractState.CONTRACT_STATE_DECLINED, ContractState.CONTRACT_STATE_EXPIRED];

class DemoError extends Error {}

const started = Date.now();
function say(line: string): void {
  const t = new Date();
  const clock = `${String(t.getHours()).padStart(2, '0')}:${String(t.getMinutes()).padStart(2, '0')}:${String(t.getSeconds()).padStart(2, '0')}`;
  process.stdout.write(`[${clock} +${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}\n`);
}

export interface Clients {
  documents: DocumentServiceClient;
  signing: SigningServiceClient;
}

const documentAddress = () => `127.0.0.1:${process.env.DOCUMENT_GRPC_PORT ?? 50051}`;

/**
 * The clients a bank's system of `tenantId` has: the platform's operator registers its API
 * client (a key of its own), and its calls carry tokens from the token endpoint.
 */
async function connect(tenantId: string): Promise<Clients & { tokens: TokenSource }> {
  const signingAddress = `127.0.0.1:${process.env.SIGNING_GRPC_PORT ?? 50052}`;
  const authAddress = `127.0.0.1:${process.env.AUTH_GRPC_PORT ?? 50060}`;
  const up = await Promise.all([
    isServing(authAddress, 'jitsuin.auth.v1.AuthService'),
    isServing(documentAddress(), 'jitsuin.document.v1.DocumentService'),
    isServing(signingAddress, 'jitsuin.signing.v1.SigningService'),
  ]);
  if (!up.every(Boolean)) throw new DemoError(`the platform is not running at ${authAddress}, ${documentAddress()} and ${signingAddress}: start it with ./jitsuin up`);
  const auth = await platformAuth();
  const tokens = await registerTenantClient(auth, authAddress, operatorTokens(auth), tenantId, ['sender', 'auditor']);
  say(`the operator registered an API client for ${tenantId}; its calls carry tokens from ${auth.issuer} (private_key_jwt)`);
  const asTenant = { interceptors: [bearerInterceptor(tokens)] };
  return {
    tokens,
    documents: new DocumentServiceClient(documentAddress(), credentials.createInsecure(), asTenant),
    signing: new SigningServiceClient(signingAddress, credentials.createInsecure(), asTenant),
  };
}

const personOf = (party: PartyPlan) => SAMPLE_PEOPLE.find((p) => p.id === party.person)!;

/** The CreateContract request of a flow, for documents uploaded in the flow's order. */
export function contractRequest(flow: FlowPlan, tenantId: string, documentIds: string[], deadline: Date): CreateContractRequest {
  return {
    tenantId,
    title: flow.title,
    kind: flow.kind,
    parties: flow.parties.map((p) => {
      const facts = p.person ? personOf(p).facts : undefined;
      return {
        id: p.id,
        kind: p.person ? PartyKind.PARTY_KIND_PERSON : PartyKind.PARTY_KIND_ORGANIZATION,
        role: p.role,
        email: p.email,
        expectedFacts: facts && { name: facts.name, address: facts.address, dateOfBirth: facts.dateOfBirth, gender: GENDERS[facts.gender] },
        sealId: p.sealId ?? '',
        language: 0,
      };
    }),
    documents: flow.documents.map((d, i) => ({ documentId: documentIds[i]!, title: d.title, signerPartyIds: d.signers })),
    steps: flow.steps.map((partyIds) => ({ partyIds })),
    deadline,
    certifyingPartyId: flow.certifier ?? '',
  };
}

/** Runs one flow to its end; returns the completed contract. */
export const demoTenant = (flow: FlowPlan) => `${flow.tenantPrefix}-${randomUUID().slice(0, 8)}`;

export async function runDemo(flow: FlowPlan, c: Clients, pki: TestPki, timeoutMs: number, tenantId = demoTenant(flow)): Promise<Contract> {

  const documents: { id: string; title: string }[] = [];
  for (const doc of flow.documents) {
    const pdf = makePdf(64 * 1024, doc.text);
    const { document } = await callClientStream(c.documents.uploadDocument.bind(c.documents), [
      { part: { $case: 'metadata', value: { tenantId, filename: `${doc.text}.pdf` } } },
      { part: { $case: 'chunk', value: pdf } },
    ]);
    documents.push({ id: document!.id, title: doc.title });
    say(`uploaded ${doc.title} (${(pdf.length / 1024).toFixed(0)} KiB) as document ${document!.id}`);
  }

  const { contract: created } = await callUnary(
    c.documents.createContract.bind(c.documents),
    contractRequest(flow, tenantId, documents.map((d) => d.id), new Date(Date.now() + 7 * 86_400_000)),
  );
  const contractId = created!.id;
  say(`contract ${contractId} for tenant ${tenantId}: ${flow.title}, ${documents.length} documents, ${flow.parties.length} parties`);
  await callUnary(c.documents.sendContract.bind(c.documents), { tenantId, contractId });
  say(flow.certifier ? `sent; the ${flow.certifier} certifies every document before anyone signs` : 'sent');

  const deadline = Date.now() + timeoutMs;
  let seenState = -1;
  let seenSteps = 0;
  let contract = created!;
  for (;;) {
    contract = (await callUnary(c.documents.getContract.bind(c.documents), { tenantId, contractId })).contract!;
    if (contract.state !== seenState) {
      if (seenState !== -1) say(`contract is ${STATES[contract.state]}`);
      seenState = contract.state;
    }
    if (ENDED.includes(contract.state)) throw new DemoError(`the contract ended ${STATES[contract.state]}: ${contract.end?.comment ?? ''}`);
    if (contract.state === ContractState.CONTRACT_STATE_SEALED) return contract;
    if (contract.state === ContractState.CONTRACT_STATE_SIGNED && seenSteps <= flow.steps.length) {
      say('every party has signed: the platform extends every document to B-LTA (DSS and a document timestamp)');
      seenSteps = flow.steps.length + 1;
    }
    if (contract.openSteps > seenSteps && contract.state !== ContractState.CONTRACT_STATE_SIGNED) {
      for (let step = seenSteps; step < contract.openSteps; step++) {
        const ids = flow.steps[step]!;
        say(`step ${step + 1} is open: ${ids.join(', ')}`);
        for (const id of ids) {
          const party = flow.parties.find((p) => p.id === id)!;
          if (!party.person) {
            say(`  ${id}: the platform seals with the ${party.sealId} seal`);
            continue;
          }
          for (const [i, doc] of flow.documents.entries()) {
            if (!doc.signers.includes(id)) continue;
            await signWithCard(c, pki, { tenantId, contractId, documentId: documents[i]!.id, partyId: id, person: party.person });
            say(`  ${personOf(party).facts.name} (${id}) signed ${doc.title} with the card (PAdES B-T)`);
          }
        }
      }
      seenSteps = contract.openSteps;
    }
    if (Date.now() > deadline) throw new DemoError(`the contract is still ${STATES[contract.state]} after ${timeoutMs / 1000} s (step ${contract.openSteps} open); see .jitsuin/run/*.log`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** What the phone does: prepare on the head revision, the card signs the DigestInfo, complete. */
export async function signWithCard(c: Clients, pki: TestPki, o: { tenantId: string; contractId: string; documentId: string; partyId: string; person: string }): Promise<void> {
  const dir = join(pki.dir, 'people', o.person);
  const card = CardSimulator.open(dir);
  const password = (await readFile(join(dir, CARD_FILES.password), 'utf8')).trim();
  const { document } = await callUnary(c.documents.getDocument.bind(c.documents), { tenantId: o.tenantId, documentId: o.documentId });
  const prepared = await callUnary(c.signing.prepareSignature.bind(c.signing), {
    revision: { tenantId: o.tenantId, contractId: o.contractId, documentId: o.documentId, revisionId: document!.headRevisionId },
    partyId: o.partyId,
    placement: undefined,
    level: PadesLevel.PADES_LEVEL_B_T,
    certify: 0,
    signerCertificate: card.signingCertificate(),
  });
  await callUnary(c.signing.completeSignature.bind(c.signing), {
    tenantId: o.tenantId,
    sessionId: prepared.sessionId,
    signatureValue: await card.sign(prepared.digestInfo, password),
    certificate: card.signingCertificate(),
  });
}

export async function demoCommand(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  const flow = name ? FLOWS[name] : undefined;
  const timeoutS = rest.length === 0 ? 300 : rest.length === 2 && rest[0] === '--timeout' ? Number(rest[1]) : NaN;
  if (!flow || !(timeoutS > 0)) {
    process.stderr.write(DEMO_USAGE);
    return 2;
  }
  let clients: (Clients & { tokens: TokenSource }) | undefined;
  try {
    const tenantId = demoTenant(flow);
    clients = await connect(tenantId);
    const pki = currentPlatformPki();
    if (!pki) throw new DemoError('the platform has no test PKI yet: start it with ./jitsuin up');
    say(`${name} demo against the platform (document and signing services, cards of the test PKI in ${pki.dir})`);
    const contract = await runDemo(flow, clients, pki, timeoutS * 1000, tenantId);
    say(`contract ${contract.id} is SEALED: every document signed, sealed, long-term verifiable (B-LTA), and verified`);

    // What an auditor takes away: the evidence package, checked here offline as they would.
    const evidence = await exportEvidenceToFile(documentAddress(), clients.tokens, { tenantId: contract.tenantId, contractId: contract.id });
    say(`evidence package written: ${evidence.path} (${(evidence.bytes / 1024).toFixed(0)} KiB)`);
    const trust = join(pki.dir, pki.manifest.trust.all);
    const result = await checkEvidence(evidence.path, { trustAnchors: [await readFile(trust, 'utf8')], allowJpkiTestHierarchy: true });
    const failed = result.checks.filter((c) => c.status === 'fail');
    say(failed.length === 0 ? `evidence verified offline: all ${result.checks.length} checks passed` : `evidence NOT verified: ${failed.map((c) => c.subject).join(', ')}`);
    say(`check it yourself: ./jitsuin evidence verify ${evidence.path} --trust ${trust} --allow-test-jpki`);
    process.stdout.write(`${evidence.path}\n`);
    return failed.length === 0 ? 0 : 1;
  } catch (err) {
    if (err instanceof DemoError) {
      process.stderr.write(`jitsuin demo: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    clients?.documents.close();
    clients?.signing.close();
  }
}
