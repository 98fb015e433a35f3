import { describe, expect, it } from 'vitest';
import { JitsuinError } from '@jitsuin/errors';
import { checkDraft, decide, type Contract, type ContractDraft, type ContractState } from './contract.js';

const now = new Date('2026-11-26T09:00:00Z');
const inAWeek = new Date('2026-12-03T09:00:00Z');

function mortgageDraft(): ContractDraft {
  return {
    tenantId: 'bank-a',
    title: '金銭消費貸借契約',
    kind: 'MORTGAGE',
    parties: [
      { id: 'borrower', kind: 'PERSON', role: 'BORROWER', email: 'b@example.jp', expectedFacts: { name: '山田　太郎', dateOfBirth: '1985-04-01' } },
      { id: 'co-borrower', kind: 'PERSON', role: 'CO_BORROWER', expectedFacts: { name: '山田　花子' } },
      { id: 'guarantor', kind: 'PERSON', role: 'GUARANTOR', expectedFacts: { name: '鈴木　一郎' } },
      { id: 'bank', kind: 'ORGANIZATION', role: 'LENDER', sealId: 'lender' },
    ],
    documents: [{ documentId: 'doc-1', title: 'Loan agreement' }],
    steps: [{ partyIds: ['borrower', 'co-borrower'] }, { partyIds: ['guarantor'] }, { partyIds: ['bank'] }],
    deadline: inAWeek,
  };
}

function contractIn(state: ContractState): Contract {
  return { ...mortgageDraft(), id: 'c-1', state, createdAt: now, updatedAt: now, openSteps: state === 'DRAFT' ? 0 : 1, verified: [], version: 1 };
}

function kindOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof JitsuinError) return `${err.kind}: ${err.message}`;
    throw err;
  }
  return 'no error';
}

describe('checkDraft', () => {
  it('accepts a mortgage package and keeps parallel parties in one step', () => {
    const draft = checkDraft(mortgageDraft(), now);
    expect(draft.steps[0]?.partyIds).toEqual(['borrower', 'co-borrower']);
    expect(draft.parties[0]?.expectedFacts?.name).toBe('山田　太郎');
  });

  it.each([
    ['a party in no step', (d: ContractDraft) => d.steps.pop(), /not placed: bank/],
    ['a party in two steps', (d: ContractDraft) => d.steps[1]?.partyIds.push('borrower'), /more than one signing step/],
    ['an unknown party in a step', (d: ContractDraft) => d.steps[0]?.partyIds.push('ghost'), /unknown party ghost/],
    ['a duplicate party id', (d: ContractDraft) => { d.parties[1]!.id = 'borrower'; }, /used twice/],
    ['a person without a name', (d: ContractDraft) => { d.parties[0]!.expectedFacts = { name: ' ' }; }, /name on their card/],
    ['an organisation with facts', (d: ContractDraft) => { d.parties[3]!.expectedFacts = { name: 'x' }; }, /organisation/],
    ['an impossible birth date', (d: ContractDraft) => { d.parties[0]!.expectedFacts!.dateOfBirth = '1985-02-30'; }, /real date/],
    ['no documents', (d: ContractDraft) => { d.documents = []; }, /at least one document/],
    ['a past deadline', (d: ContractDraft) => { d.deadline = new Date(now.getTime() - 1); }, /future/],
    ['a bad tenant id', (d: ContractDraft) => { d.tenantId = 'a b'; }, /tenant id/],
    ['an organisation without a seal', (d: ContractDraft) => { delete d.parties[3]!.sealId; }, /seal id/],
    ['a person with a seal', (d: ContractDraft) => { d.parties[0]!.sealId = 'lender'; }, /card, not a seal/],
    ['a person as certifier', (d: ContractDraft) => { d.certifyingPartyId = 'borrower'; }, /certifying party borrower must be an organisation/],
    ['an unknown signer of a document', (d: ContractDraft) => { d.documents[0]!.signerPartyIds = ['ghost']; }, /unknown signer ghost/],
    ['a party who signs no document', (d: ContractDraft) => { d.documents[0]!.signerPartyIds = ['borrower', 'co-borrower', 'bank']; }, /signs none: guarantor/],
  ])('refuses %s', (_what, spoil, message) => {
    const draft = mortgageDraft();
    spoil(draft);
    const outcome = kindOf(() => checkDraft(draft, now));
    expect(outcome).toMatch(/^INVALID_ARGUMENT/);
    expect(outcome).toMatch(message);
  });
});

describe('decide', () => {
  const allStates: ContractState[] = ['DRAFT', 'SENT', 'PARTIALLY_SIGNED', 'SIGNED', 'SEALED', 'ARCHIVED', 'DECLINED', 'VOIDED', 'EXPIRED'];
  const afterDeadline = new Date(inAWeek.getTime() + 1);

  const expected: Record<string, Partial<Record<ContractState, ContractState>>> = {
    send: { DRAFT: 'SENT' },
    void: { DRAFT: 'VOIDED', SENT: 'VOIDED', PARTIALLY_SIGNED: 'VOIDED' },
    decline: { SENT: 'DECLINED', PARTIALLY_SIGNED: 'DECLINED' },
    expire: { SENT: 'EXPIRED', PARTIALLY_SIGNED: 'EXPIRED' },
  };
  const actions = {
    send: { type: 'send' as const },
    void: { type: 'void' as const, comment: 'wrong amount' },
    decline: { type: 'decline' as const, partyId: 'guarantor' },
    expire: { type: 'expire' as const },
  };

  for (const [name, action] of Object.entries(actions)) {
    for (const state of allStates) {
      const to = expected[name]?.[state];
      const at = name === 'expire' ? afterDeadline : now;
      it(`${name} from ${state} ${to ? `goes to ${to}` : 'is refused'}`, () => {
        if (to) expect(decide(contractIn(state), action, at).state).toBe(to);
        else expect(kindOf(() => decide(contractIn(state), action, at))).toMatch(/^FAILED_PRECONDITION: cannot/);
      });
    }
  }

  it('records who declined and why', () => {
    const change = decide(contractIn('SENT'), { type: 'decline', partyId: 'guarantor', comment: '条件が違う' }, now);
    expect(change.end).toEqual({ reason: 'DECLINED', partyId: 'guarantor', comment: '条件が違う', at: now });
  });

  it('refuses a decline by someone who is not a party', () => {
    expect(kindOf(() => decide(contractIn('SENT'), { type: 'decline', partyId: 'stranger' }, now))).toMatch(
      /^INVALID_ARGUMENT: party stranger/,
    );
  });

  it('does not expire a contract before its deadline', () => {
    expect(kindOf(() => decide(contractIn('SENT'), { type: 'expire' }, now))).toMatch(/^FAILED_PRECONDITION: the deadline .* has not passed/);
  });

  it('does not send a contract whose deadline has passed', () => {
    expect(kindOf(() => decide(contractIn('DRAFT'), { type: 'send' }, afterDeadline))).toMatch(/deadline has passed/);
  });
});
