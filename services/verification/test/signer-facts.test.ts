import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventEnvelope, newEvent, Topics } from '@jitsuin/events';
import {
  type Contract,
  ContractKind,
  ContractState,
  EndReason,
  type ExpectedFacts,
  Gender,
  PartyKind,
  PartyRole,
} from '@jitsuin/proto/document/v1/document';
import { Indication } from '@jitsuin/proto/verification/v1/verification';
import { callUnary } from '@jitsuin/rpc';
import { type PersonSpec, SAMPLE_PEOPLE } from '@jitsuin/testkit/pki';
import { addRevision, collectEvents, contractPdf, publishEvents, signed, startWorld, upload, type World } from './harness.js';

/**
 * A party's card signature is the party's: the verification service compares the new
 * signature's certificate facts with what the contract expects of the party (signature.applied
 * names the party) and fails a signature made with someone else's valid card
 * (TOTAL_FAILED / SIGNER_FACTS_MISMATCH), which stops the contract in the real document service.
 * The way a contract writes a name (width, spaces, old kanji) does not matter.
 */

// A card holder whose register name has an old form (邊) the JPKI writes as it is (JIS level 2).
const WATANABE: PersonSpec = {
  id: 'watanabe-sho',
  role: 'borrower',
  roleJa: '借主（主債務者）',
  facts: { name: '渡邊　翔', gender: 'MALE', dateOfBirth: '1999-12-31', address: '北海道札幌市中央区架空通１－１' },
  prefecture: '北海道',
  city: '札幌市',
  generation: 2,
};

const TARO = SAMPLE_PEOPLE.find((p) => p.id === 'yamada-taro')!;
const taroFacts: ExpectedFacts = { name: TARO.facts.name, address: TARO.facts.address, dateOfBirth: TARO.facts.dateOfBirth, gender: Gender.GENDER_MALE };
const cityTenant = `bank-city-${randomUUID().slice(0, 8)}`;

let world: World;
let verdicts: { events: EventEnvelope[]; stop(): Promise<unknown> }[] = [];

beforeAll(async () => {
  world = await startWorld({
    people: [...SAMPLE_PEOPLE, WATANABE],
    config: { signerAddressPolicies: { default: 'exact', byTenant: { [cityTenant]: 'prefecture-and-city' } } },
  });
}, 240_000);

afterAll(async () => {
  for (const v of verdicts) await v.stop();
  await world?.close();
});

/** A sent contract whose borrower is expected to have `facts`, then the bank's seal. */
async function sentContract(tenantId: string, facts: ExpectedFacts): Promise<{ contract: Contract; documentId: string; original: Buffer }> {
  const original = contractPdf(`facts ${randomUUID()}`);
  const document = await upload(world, tenantId, original);
  const { contract } = await callUnary(world.documents.createContract.bind(world.documents), {
    tenantId,
    title: '金銭消費貸借契約',
    kind: ContractKind.CONTRACT_KIND_MORTGAGE,
    parties: [
      { id: 'borrower', kind: PartyKind.PARTY_KIND_PERSON, role: PartyRole.PARTY_ROLE_BORROWER, email: 'borrower@example.jp', expectedFacts: facts, sealId: '', language: 0 },
      { id: 'bank', kind: PartyKind.PARTY_KIND_ORGANIZATION, role: PartyRole.PARTY_ROLE_LENDER, email: 'ops@bank.example.jp', expectedFacts: undefined, sealId: 'lender', language: 0 },
    ],
    documents: [{ documentId: document.id, title: '金銭消費貸借契約書', signerPartyIds: [] }],
    steps: [{ partyIds: ['borrower'] }, { partyIds: ['bank'] }],
    deadline: new Date(Date.now() + 86_400_000),
    certifyingPartyId: '',
  });
  const sent = await callUnary(world.documents.sendContract.bind(world.documents), { tenantId, contractId: contract!.id });
  return { contract: sent.contract!, documentId: document.id, original };
}

/** The borrower's field signed with `personId`'s card, stored, announced; its verdict and the contract after it. */
async function signAsBorrower(tenantId: string, facts: ExpectedFacts, personId: string) {
  const { contract, documentId, original } = await sentContract(tenantId, facts);
  const collector = await collectEvents(tenantId, Topics.verification);
  verdicts.push(collector);
  const pdf = await signed(world, original, world.card(personId), 'B-T', 'Borrower');
  const { document } = await callUnary(world.documents.getDocument.bind(world.documents), { tenantId, documentId });
  const revisionId = await addRevision(world, tenantId, document!, pdf);
  await publishEvents([
    newEvent({
      tenantId,
      subject: contract.id,
      payload: { $case: 'signatureApplied', value: { contractId: contract.id, documentId, partyId: 'borrower', revisionId, fieldName: 'Borrower', level: 2, certificateSerial: '' } },
    }),
  ]);
  const verdictOf = () => collector.events.map((e) => (e.payload?.$case === 'verificationCompleted' ? e.payload.value : undefined)).find((v) => v?.revisionId === revisionId);
  await expect.poll(verdictOf, { timeout: 60_000, interval: 200 }).toBeDefined();
  const verdict = verdictOf();
  const { report } = await callUnary(world.client.getReport.bind(world.client), { tenantId, revisionId });
  const contractNow = async () => (await callUnary(world.documents.getContract.bind(world.documents), { tenantId, contractId: contract.id })).contract!;
  return { verdict, report: report!, contractNow, revisionId };
}

describe('a party signature made with someone else’s card', () => {
  it('fails TOTAL_FAILED / SIGNER_FACTS_MISMATCH naming the facts, and the contract is voided for it', async () => {
    const tenantId = `bank-${randomUUID().slice(0, 8)}`;
    // 鈴木 一郎's card is valid and verifies: only its facts are not the borrower's.
    const { verdict, report, contractNow, revisionId } = await signAsBorrower(tenantId, taroFacts, 'suzuki-ichiro');
    expect(verdict).toMatchObject({ indication: Indication.INDICATION_TOTAL_FAILED, subIndication: 'SIGNER_FACTS_MISMATCH', differingFacts: ['name', 'address', 'dateOfBirth'] });
    expect(report).toMatchObject({ indication: Indication.INDICATION_TOTAL_FAILED, subIndication: 'SIGNER_FACTS_MISMATCH', differingFacts: ['name', 'address', 'dateOfBirth'] });
    // The library's own verdict on the signature is unchanged: it is a good signature, of someone else.
    expect(JSON.parse(report.reportJson).signatures[0]).toMatchObject({ indication: 'TOTAL_PASSED', signer: { jpki: { name: '鈴木　一郎' } } });
    // The event names facts, never values.
    expect(JSON.stringify(verdict)).not.toMatch(/鈴木|山田|1955|1980|横浜|千代田/);
    // The report page says why it failed, above the library's report.
    const { reportUrl } = await callUnary(world.client.getReport.bind(world.client), { tenantId, revisionId });
    const html = await (await fetch(reportUrl)).text();
    expect(html).toContain('署名者の電子証明書の氏名・住所・生年月日が、契約で当事者（borrower）に予定された情報と一致しません（SIGNER_FACTS_MISMATCH）。');
    expect(html).toContain('The name, address and date of birth in the signer&#39;s certificate do not match what the contract expects of party borrower');

    await expect.poll(async () => (await contractNow()).state, { timeout: 30_000, interval: 200 }).toBe(ContractState.CONTRACT_STATE_VOIDED);
    const end = (await contractNow()).end!;
    expect(end.reason).toBe(EndReason.END_REASON_VERIFICATION_FAILED);
    expect(end.comment).toContain('SIGNER_FACTS_MISMATCH');
  }, 120_000);

  it('names only the facts that differ: a card of the same household differs in name, date of birth and gender', async () => {
    const tenantId = `bank-${randomUUID().slice(0, 8)}`;
    const { verdict } = await signAsBorrower(tenantId, taroFacts, 'yamada-hanako');
    expect(verdict).toMatchObject({ indication: Indication.INDICATION_TOTAL_FAILED, subIndication: 'SIGNER_FACTS_MISMATCH', differingFacts: ['name', 'dateOfBirth', 'gender'] });
  }, 120_000);
});

describe('the party’s own card', () => {
  it('passes, and the contract moves on to the next step', async () => {
    const tenantId = `bank-${randomUUID().slice(0, 8)}`;
    const { verdict, report, contractNow } = await signAsBorrower(tenantId, taroFacts, 'yamada-taro');
    expect(verdict).toMatchObject({ indication: Indication.INDICATION_TOTAL_PASSED, subIndication: '', differingFacts: [] });
    expect(report).toMatchObject({ indication: Indication.INDICATION_TOTAL_PASSED, differingFacts: [] });
    await expect.poll(async () => (await contractNow()).openSteps, { timeout: 30_000, interval: 200 }).toBe(2);
    expect((await contractNow()).state).toBe(ContractState.CONTRACT_STATE_PARTIALLY_SIGNED);
  }, 120_000);

  it('passes however the contract writes the name and address: widths, spaces, old kanji', async () => {
    const tenantId = `bank-${randomUUID().slice(0, 8)}`;
    // Half-width space and digits, and a run of spaces: the card says 山田　太郎, 架空町１－２－３.
    const written = await signAsBorrower(tenantId, { ...taroFacts, name: '山田  太郎', address: '東京都 千代田区架空町1-2-3' }, 'yamada-taro');
    expect(written.verdict).toMatchObject({ indication: Indication.INDICATION_TOTAL_PASSED, differingFacts: [] });

    // The register's 渡邊 written 渡辺 by the bank; a Heisei date of birth (era code 4 on the card).
    const watanabe: ExpectedFacts = { name: '渡辺 翔', address: '北海道札幌市中央区架空通1-1', dateOfBirth: '1999-12-31', gender: Gender.GENDER_MALE };
    const oldForm = await signAsBorrower(tenantId, watanabe, 'watanabe-sho');
    expect(oldForm.verdict).toMatchObject({ indication: Indication.INDICATION_TOTAL_PASSED, differingFacts: [] });

    // 髙橋: the card carries a flagged substitute (高); the contract writes the register's 髙.
    const ken = SAMPLE_PEOPLE.find((p) => p.id === 'takahashi-ken')!;
    const substitute = await signAsBorrower(tenantId, { name: '髙橋　健', dateOfBirth: ken.facts.dateOfBirth, gender: Gender.GENDER_UNSPECIFIED, address: '' }, 'takahashi-ken');
    expect(substitute.verdict).toMatchObject({ indication: Indication.INDICATION_TOTAL_PASSED, differingFacts: [] });
  }, 240_000);

  it('follows the tenant’s address policy: prefecture and city only, for the tenant configured so', async () => {
    const moved = { ...taroFacts, address: '東京都千代田区架空町９－９－９' };
    const exact = await signAsBorrower(`bank-${randomUUID().slice(0, 8)}`, moved, 'yamada-taro');
    expect(exact.verdict).toMatchObject({ indication: Indication.INDICATION_TOTAL_FAILED, subIndication: 'SIGNER_FACTS_MISMATCH', differingFacts: ['address'] });
    const city = await signAsBorrower(cityTenant, moved, 'yamada-taro');
    expect(city.verdict).toMatchObject({ indication: Indication.INDICATION_TOTAL_PASSED, differingFacts: [] });
  }, 240_000);
});
