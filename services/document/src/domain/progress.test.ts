import { describe, expect, it } from 'vitest';
import type { Contract } from './contract.js';
import type { Revision, RevisionKind } from './document.js';
import { type DocumentChain, nextProgress, withVerified } from './progress.js';

const at = new Date('2026-11-26T09:00:00Z');

function mortgage(over: Partial<Contract> = {}): Contract {
  return {
    id: 'c-1',
    tenantId: 'bank-a',
    title: '住宅ローン',
    kind: 'MORTGAGE',
    parties: [
      { id: 'borrower', kind: 'PERSON', role: 'BORROWER', expectedFacts: { name: '山田　太郎' } },
      { id: 'co-borrower', kind: 'PERSON', role: 'CO_BORROWER', expectedFacts: { name: '山田　花子' } },
      { id: 'guarantor', kind: 'PERSON', role: 'GUARANTOR', expectedFacts: { name: '鈴木　一郎' } },
      { id: 'bank', kind: 'ORGANIZATION', role: 'LENDER', sealId: 'lender' },
    ],
    documents: [{ documentId: 'loan', title: 'Loan' }, { documentId: 'guarantee', title: 'Guarantee' }],
    steps: [{ partyIds: ['borrower', 'co-borrower'] }, { partyIds: ['guarantor'] }, { partyIds: ['bank'] }],
    deadline: new Date('2026-12-26T09:00:00Z'),
    certifyingPartyId: 'bank',
    state: 'SENT',
    createdAt: at,
    updatedAt: at,
    openSteps: 0,
    verified: [],
    version: 1,
    ...over,
  };
}

/** A chain: the original, then one revision per [kind, madeBy]. */
function chain(documentId: string, ...made: [RevisionKind, string][]): DocumentChain {
  const revisions: Revision[] = [['ORIGINAL', 'upload'] as [RevisionKind, string], ...made].map(([kind, madeBy], i) => ({
    id: `${documentId}-r${i}`,
    ...(i > 0 ? { parentId: `${documentId}-r${i - 1}` } : {}),
    sha256: String(i),
    size: i,
    kind,
    madeBy,
    createdAt: at,
  }));
  return { documentId, revisions };
}

const head = (c: DocumentChain) => ({ documentId: c.documentId, revisionId: c.revisions.at(-1)!.id });

describe('contract progress', () => {
  it('waits for every document to be certified and verified, then opens the first step', () => {
    const loan = chain('loan', ['SEAL', 'seal:lender']);
    const guarantee = chain('guarantee', ['SEAL', 'seal:lender']);
    expect(nextProgress(mortgage(), [loan, guarantee])).toBeUndefined();
    expect(nextProgress(mortgage({ verified: [head(loan)] }), [loan, guarantee])).toBeUndefined();
    expect(nextProgress(mortgage({ verified: [head(loan), head(guarantee)] }), [loan, guarantee])).toEqual({ state: 'SENT', openSteps: 1 });
  });

  it('a certification by someone else, or not first, is no certification', () => {
    const other = chain('loan', ['SEAL', 'seal:other-bank']);
    const late = chain('guarantee', ['SIGNATURE', 'borrower'], ['SEAL', 'seal:lender']);
    expect(nextProgress(mortgage({ verified: [head(other), head(late)] }), [other, late])).toBeUndefined();
  });

  it('opens a step only when its parties signed every document, as verified', () => {
    const certifiedOnly = (id: string) => chain(id, ['SEAL', 'seal:lender']);
    const signedBoth = (id: string) => chain(id, ['SEAL', 'seal:lender'], ['SIGNATURE', 'borrower'], ['SIGNATURE', 'co-borrower']);
    const step1 = mortgage({ openSteps: 1 });
    // One document signed by both, the other by nobody: step 2 stays closed.
    const a = signedBoth('loan');
    const b = certifiedOnly('guarantee');
    expect(nextProgress({ ...step1, verified: [head(a), head(b)] }, [a, b])).toBeUndefined();
    // Both signed, but the second signature of one is not verified yet.
    const c = signedBoth('guarantee');
    const notYet = { documentId: 'guarantee', revisionId: c.revisions[2]!.id };
    expect(nextProgress({ ...step1, verified: [head(a), notYet] }, [a, c])).toBeUndefined();
    expect(nextProgress({ ...step1, verified: [head(a), head(c)] }, [a, c])).toEqual({ state: 'PARTIALLY_SIGNED', openSteps: 2 });
  });

  it('the certifying seal does not count as the bank signing its step; its final seal does; then SIGNED and, at B-LTA, SEALED', () => {
    const made: [RevisionKind, string][] = [['SEAL', 'seal:lender'], ['SIGNATURE', 'borrower'], ['SIGNATURE', 'co-borrower'], ['SIGNATURE', 'guarantor']];
    const before = [chain('loan', ...made), chain('guarantee', ...made)];
    const open3 = mortgage({ state: 'PARTIALLY_SIGNED', openSteps: 3, verified: before.map(head) });
    expect(nextProgress(open3, before)).toBeUndefined();
    const sealed = [chain('loan', ...made, ['SEAL', 'seal:lender']), chain('guarantee', ...made, ['SEAL', 'seal:lender'])];
    expect(nextProgress({ ...open3, verified: sealed.map(head) }, sealed)).toEqual({ state: 'SIGNED', openSteps: 3 });
    const signed = { ...open3, state: 'SIGNED' as const, verified: sealed.map(head) };
    expect(nextProgress(signed, sealed)).toBeUndefined();
    const lta = sealed.map((c) => chain(c.documentId, ...made, ['SEAL', 'seal:lender'], ['VALIDATION_DATA', 'signing-service'], ['TIMESTAMP', 'signing-service']));
    expect(nextProgress({ ...signed, verified: [head(lta[0]!), head(sealed[1]!)] }, lta)).toBeUndefined();
    expect(nextProgress({ ...signed, verified: lta.map(head) }, lta)).toEqual({ state: 'SEALED' });
  });

  it('without a certifier the first step is open from the start and needs no seal first', () => {
    const lease = mortgage({ certifyingPartyId: undefined, openSteps: 1 });
    const a = chain('loan', ['SIGNATURE', 'borrower'], ['SIGNATURE', 'co-borrower']);
    const b = chain('guarantee', ['SIGNATURE', 'co-borrower'], ['SIGNATURE', 'borrower']);
    expect(nextProgress({ ...lease, verified: [head(a), head(b)] }, [a, b])).toEqual({ state: 'PARTIALLY_SIGNED', openSteps: 2 });
  });

  it('a lease: each party signs only its documents (the agent the explanation, tenant and landlord the lease)', () => {
    const lease = mortgage({
      kind: 'LEASE',
      parties: [
        { id: 'agent', kind: 'PERSON', role: 'LICENSED_AGENT', expectedFacts: { name: '伊藤　さくら' } },
        { id: 'tenant', kind: 'PERSON', role: 'TENANT', expectedFacts: { name: '佐藤　美咲' } },
        { id: 'landlord', kind: 'PERSON', role: 'LANDLORD', expectedFacts: { name: '高橋　健' } },
        { id: 'agency', kind: 'ORGANIZATION', role: 'AGENCY', sealId: 'agency' },
      ],
      documents: [
        { documentId: 'explanation', title: '重要事項説明書', signerPartyIds: ['agent', 'agency'] },
        { documentId: 'lease', title: '賃貸借契約書', signerPartyIds: ['tenant', 'landlord', 'agency'] },
      ],
      steps: [{ partyIds: ['agent'] }, { partyIds: ['tenant', 'landlord'] }, { partyIds: ['agency'] }],
      certifyingPartyId: undefined,
      openSteps: 1,
    });
    const explanation = chain('explanation', ['SIGNATURE', 'agent']);
    const unsigned = chain('lease');
    expect(nextProgress({ ...lease, verified: [head(explanation), head(unsigned)] }, [explanation, unsigned])).toEqual({ state: 'PARTIALLY_SIGNED', openSteps: 2 });
    const signed = chain('lease', ['SIGNATURE', 'landlord'], ['SIGNATURE', 'tenant']);
    const open2 = { ...lease, state: 'PARTIALLY_SIGNED' as const, openSteps: 2 };
    expect(nextProgress({ ...open2, verified: [head(explanation), head(signed)] }, [explanation, signed])).toEqual({ state: 'PARTIALLY_SIGNED', openSteps: 3 });
  });

  it('ended contracts do not move', () => {
    const c = chain('loan', ['SEAL', 'seal:lender']);
    for (const state of ['DRAFT', 'VOIDED', 'DECLINED', 'EXPIRED', 'SEALED'] as const) {
      expect(nextProgress(mortgage({ state, verified: [head(c)] }), [c, chain('guarantee', ['SEAL', 'seal:lender'])])).toBeUndefined();
    }
  });

  it('records a verified revision only when it is newer than the one recorded, and only of the document', () => {
    const c = chain('loan', ['SEAL', 'seal:lender'], ['SIGNATURE', 'borrower']);
    const contract = mortgage({ verified: [head(c)] });
    expect(withVerified(contract, [c], 'loan', c.revisions[1]!.id)).toBeUndefined();
    expect(withVerified(contract, [c], 'loan', head(c).revisionId)).toBeUndefined();
    expect(withVerified(contract, [c], 'loan', 'unknown-revision')).toBeUndefined();
    expect(withVerified(mortgage(), [c], 'loan', c.revisions[1]!.id)).toEqual([{ documentId: 'loan', revisionId: c.revisions[1]!.id }]);
  });
});
