import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractState } from '@jitsuin/proto/document/v1/document';
import { makePdf } from '@jitsuin/testkit';
import { callUnary, mortgageRequest, startTestService, statusOf, upload, type TestService } from './harness.js';

let t: TestService;
beforeAll(async () => {
  t = await startTestService();
});
afterAll(async () => {
  await t?.stop();
});

const tenant = () => `bank-${randomUUID().slice(0, 8)}`;

async function newContract(tenantId: string, deadline?: Date) {
  const document = await upload(t.client, tenantId, makePdf(4096));
  const { contract } = await callUnary(t.client.createContract.bind(t.client), mortgageRequest(tenantId, [document.id], deadline));
  return contract!;
}

describe('contract lifecycle over gRPC', () => {
  it('creates a draft with its parties, steps and documents, and reads it back', async () => {
    const tenantId = tenant();
    const created = await newContract(tenantId);
    expect(created.state).toBe(ContractState.CONTRACT_STATE_DRAFT);
    const { contract } = await callUnary(t.client.getContract.bind(t.client), { tenantId, contractId: created.id });
    expect(contract?.parties.map((p) => p.id)).toEqual(['borrower', 'co-borrower', 'guarantor', 'bank']);
    expect(contract?.parties[0]?.expectedFacts?.name).toBe('山田　太郎');
    expect(contract?.steps.map((s) => s.partyIds)).toEqual([['borrower', 'co-borrower'], ['guarantor'], ['bank']]);
    expect(contract?.documents).toHaveLength(1);
  });

  it('sends, then refuses to send again and leaves the contract as it was', async () => {
    const tenantId = tenant();
    const created = await newContract(tenantId);
    const { contract: sent } = await callUnary(t.client.sendContract.bind(t.client), { tenantId, contractId: created.id });
    expect(sent?.state).toBe(ContractState.CONTRACT_STATE_SENT);
    expect(sent?.sentAt).toBeInstanceOf(Date);

    const refused = await statusOf(callUnary(t.client.sendContract.bind(t.client), { tenantId, contractId: created.id }));
    expect(refused.code).toBe(status.FAILED_PRECONDITION);
    expect(refused.details).toMatch(/cannot send a contract that is SENT/);
    const { contract: after } = await callUnary(t.client.getContract.bind(t.client), { tenantId, contractId: created.id });
    expect(after?.version).toBe(sent?.version);
    expect(after?.state).toBe(ContractState.CONTRACT_STATE_SENT);
  });

  it('declines by a party, and nothing moves a declined contract', async () => {
    const tenantId = tenant();
    const created = await newContract(tenantId);
    await callUnary(t.client.sendContract.bind(t.client), { tenantId, contractId: created.id });
    const { contract } = await callUnary(t.client.declineContract.bind(t.client), {
      tenantId,
      contractId: created.id,
      partyId: 'guarantor',
      comment: '金額が違います',
    });
    expect(contract?.state).toBe(ContractState.CONTRACT_STATE_DECLINED);
    expect(contract?.end?.partyId).toBe('guarantor');
    for (const call of [t.client.voidContract, t.client.sendContract, t.client.expireContract]) {
      const refused = await statusOf(callUnary(call.bind(t.client), { tenantId, contractId: created.id, comment: '' }));
      expect(refused.code).toBe(status.FAILED_PRECONDITION);
    }
  });

  it('voids a draft', async () => {
    const tenantId = tenant();
    const created = await newContract(tenantId);
    const { contract } = await callUnary(t.client.voidContract.bind(t.client), { tenantId, contractId: created.id, comment: 'typo' });
    expect(contract?.state).toBe(ContractState.CONTRACT_STATE_VOIDED);
  });

  it('expires only once the deadline has passed', async () => {
    const tenantId = tenant();
    const created = await newContract(tenantId, new Date(Date.now() + 1500));
    await callUnary(t.client.sendContract.bind(t.client), { tenantId, contractId: created.id });
    const early = await statusOf(callUnary(t.client.expireContract.bind(t.client), { tenantId, contractId: created.id }));
    expect(early.code).toBe(status.FAILED_PRECONDITION);
    await new Promise((r) => setTimeout(r, 1600));
    const { contract } = await callUnary(t.client.expireContract.bind(t.client), { tenantId, contractId: created.id });
    expect(contract?.state).toBe(ContractState.CONTRACT_STATE_EXPIRED);
  });

  it('keeps tenants apart: another tenant sees NOT_FOUND', async () => {
    const tenantId = tenant();
    const created = await newContract(tenantId);
    const other = await statusOf(callUnary(t.client.getContract.bind(t.client), { tenantId: tenant(), contractId: created.id }));
    expect(other.code).toBe(status.NOT_FOUND);
    const unknown = await statusOf(callUnary(t.client.sendContract.bind(t.client), { tenantId, contractId: randomUUID() }));
    expect(unknown.code).toBe(status.NOT_FOUND);
  });

  it('refuses a document that belongs to another contract, or to another tenant', async () => {
    const tenantId = tenant();
    const document = await upload(t.client, tenantId, makePdf(4096));
    await callUnary(t.client.createContract.bind(t.client), mortgageRequest(tenantId, [document.id]));
    const taken = await statusOf(callUnary(t.client.createContract.bind(t.client), mortgageRequest(tenantId, [document.id])));
    expect(taken.code).toBe(status.FAILED_PRECONDITION);
    expect(taken.details).toMatch(/belongs to contract/);
    const foreign = await statusOf(callUnary(t.client.createContract.bind(t.client), mortgageRequest(tenant(), [document.id])));
    expect(foreign.code).toBe(status.NOT_FOUND);
  });

  it('refuses an invalid contract with INVALID_ARGUMENT and stores nothing', async () => {
    const tenantId = tenant();
    const document = await upload(t.client, tenantId, makePdf(4096));
    const request = mortgageRequest(tenantId, [document.id]);
    request.steps.pop();
    const refused = await statusOf(callUnary(t.client.createContract.bind(t.client), request));
    expect(refused.code).toBe(status.INVALID_ARGUMENT);
    expect(refused.details).toMatch(/not placed: bank/);
    const { contracts } = await callUnary(t.client.listContracts.bind(t.client), { tenantId, pageSize: 10, pageToken: '', state: 0 });
    expect(contracts).toHaveLength(0);
    // The document is still free for a correct contract.
    await callUnary(t.client.createContract.bind(t.client), mortgageRequest(tenantId, [document.id]));
  });

  it('lists a tenant’s contracts newest first, page by page, with a state filter', async () => {
    const tenantId = tenant();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await newContract(tenantId)).id);
    await callUnary(t.client.sendContract.bind(t.client), { tenantId, contractId: ids[1]! });

    const seen: string[] = [];
    let pageToken = '';
    do {
      const page = await callUnary(t.client.listContracts.bind(t.client), { tenantId, pageSize: 2, pageToken, state: 0 });
      expect(page.contracts.length).toBeLessThanOrEqual(2);
      seen.push(...page.contracts.map((c) => c.id));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(seen).toEqual([...ids].reverse());

    const sent = await callUnary(t.client.listContracts.bind(t.client), {
      tenantId,
      pageSize: 10,
      pageToken: '',
      state: ContractState.CONTRACT_STATE_SENT,
    });
    expect(sent.contracts.map((c) => c.id)).toEqual([ids[1]]);

    const bad = await statusOf(callUnary(t.client.listContracts.bind(t.client), { tenantId, pageSize: 2, pageToken: 'nonsense', state: 0 }));
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
  });
});
