import { describe, expect, it } from 'vitest';
import { JitsuinError } from '@jitsuin/errors';
import { factsMismatchMessage } from './certificate.js';
import { cardSigner, checkOpenForSeal, checkOpenForSigning, checkTurn, headOf, type ContractView, type DocumentView, type RevisionView } from './contract.js';
import { refusalOf, signingError } from './errors.js';
import { unclaimable, type SigningSession } from './session.js';

const kindOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as JitsuinError).kind;
  }
  return 'none';
};

describe('facts mismatch', () => {
  it('names the facts that differ, in words, never their values', () => {
    expect(factsMismatchMessage(['name'])).toBe("the certificate's name differs from what the contract expects");
    expect(factsMismatchMessage(['address', 'dateOfBirth'])).toBe("the certificate's address and date of birth differ from what the contract expects");
    expect(factsMismatchMessage(['name', 'address', 'dateOfBirth', 'gender'])).toBe(
      "the certificate's name, address, date of birth and gender differ from what the contract expects",
    );
  });
});

const contract = (state: ContractView['state']): ContractView => ({
  id: 'c1',
  tenantId: 't1',
  state,
  parties: [
    { id: 'borrower', kind: 'PERSON', expectedFacts: { name: '山田　太郎' } },
    { id: 'guarantor', kind: 'PERSON', expectedFacts: { name: '鈴木　一郎' } },
    { id: 'bank', kind: 'ORGANIZATION', sealId: 'lender' },
  ],
  documentIds: ['d1', 'd2'],
  signers: { d2: ['guarantor'] },
  steps: [['borrower'], ['guarantor'], ['bank']],
  openSteps: 1,
});

describe('contract rules', () => {
  it('card signatures only while SENT or PARTIALLY_SIGNED; seals also before and after, not once ended', () => {
    for (const state of ['SENT', 'PARTIALLY_SIGNED'] as const) expect(kindOf(() => checkOpenForSigning(contract(state)))).toBe('none');
    for (const state of ['DRAFT', 'SIGNED', 'SEALED', 'VOIDED', 'DECLINED', 'EXPIRED', 'ARCHIVED'] as const) {
      expect(kindOf(() => checkOpenForSigning(contract(state)))).toBe('FAILED_PRECONDITION');
    }
    for (const state of ['DRAFT', 'SENT', 'SIGNED'] as const) expect(kindOf(() => checkOpenForSeal(contract(state)))).toBe('none');
    for (const state of ['VOIDED', 'DECLINED', 'EXPIRED', 'ARCHIVED'] as const) expect(kindOf(() => checkOpenForSeal(contract(state)))).toBe('FAILED_PRECONDITION');
  });

  it('the card signer is a person of the contract', () => {
    expect(cardSigner(contract('SENT'), 'borrower').expectedFacts.name).toBe('山田　太郎');
    expect(kindOf(() => cardSigner(contract('SENT'), 'bank'))).toBe('FAILED_PRECONDITION');
    expect(kindOf(() => cardSigner(contract('SENT'), 'nobody'))).toBe('NOT_FOUND');
  });

  it('a party signs in its own step once it is open, and each document once', () => {
    const doc = (...made: [RevisionView['kind'], string][]): DocumentView => ({
      id: 'd1',
      tenantId: 't1',
      contractId: 'c1',
      headRevisionId: 'x',
      revisions: [['ORIGINAL', 'upload'] as [RevisionView['kind'], string], ...made].map(([kind, madeBy], i) => ({ id: `r${i}`, sha256: String(i), size: i, kind, madeBy })),
    });
    const person = (id: string) => contract('SENT').parties.find((p) => p.id === id)!;
    expect(kindOf(() => checkTurn(contract('SENT'), person('borrower'), doc(['SEAL', 'seal:lender'])))).toBe('none');
    expect(kindOf(() => checkTurn(contract('SENT'), person('guarantor'), doc()))).toBe('FAILED_PRECONDITION');
    expect(kindOf(() => checkTurn({ ...contract('SENT'), openSteps: 0 }, person('borrower'), doc()))).toBe('FAILED_PRECONDITION');
    expect(kindOf(() => checkTurn(contract('SENT'), person('borrower'), doc(['SIGNATURE', 'borrower'])))).toBe('FAILED_PRECONDITION');
    expect(kindOf(() => checkTurn({ ...contract('SENT'), openSteps: 2 }, person('guarantor'), doc(['SIGNATURE', 'borrower'])))).toBe('none');
    // The bank's certification is not its signature of step 3; its final seal is.
    const bank = person('bank');
    const open3 = { ...contract('PARTIALLY_SIGNED'), openSteps: 3, certifyingPartyId: 'bank' };
    expect(kindOf(() => checkTurn(open3, bank, doc(['SEAL', 'seal:lender'], ['SIGNATURE', 'borrower'])))).toBe('none');
    expect(kindOf(() => checkTurn(open3, bank, doc(['SEAL', 'seal:lender'], ['SEAL', 'seal:lender'])))).toBe('FAILED_PRECONDITION');
    // Without a certifier the bank's seal as the first change is its signature: not made twice.
    const bankFirst = { ...contract('SENT'), steps: [['bank'], ['borrower'], ['guarantor']] };
    expect(kindOf(() => checkTurn(bankFirst, bank, doc()))).toBe('none');
    expect(kindOf(() => checkTurn(bankFirst, bank, doc(['SEAL', 'seal:lender'])))).toBe('FAILED_PRECONDITION');
    // A document only some parties sign.
    const d2 = { ...doc(), id: 'd2' };
    expect(kindOf(() => checkTurn({ ...contract('SENT'), openSteps: 2 }, person('guarantor'), d2))).toBe('none');
    expect(kindOf(() => checkTurn(contract('SENT'), person('borrower'), d2))).toBe('FAILED_PRECONDITION');
  });

  it('signs only the head of a document of the contract', () => {
    const document: DocumentView = {
      id: 'd1',
      tenantId: 't1',
      contractId: 'c1',
      headRevisionId: 'r2',
      revisions: [
        { id: 'r1', sha256: 'a', size: 1, kind: 'ORIGINAL', madeBy: 'upload' },
        { id: 'r2', parentId: 'r1', sha256: 'b', size: 2, kind: 'SIGNATURE', madeBy: 'borrower' },
      ],
    };
    expect(headOf(contract('SENT'), document, 'r2').id).toBe('r2');
    expect(kindOf(() => headOf(contract('SENT'), document, 'r1'))).toBe('FAILED_PRECONDITION');
    expect(kindOf(() => headOf(contract('SENT'), document, 'r9'))).toBe('NOT_FOUND');
    expect(kindOf(() => headOf(contract('SENT'), { ...document, contractId: 'other' }, 'r2'))).toBe('INVALID_ARGUMENT');
  });
});

describe('sessions', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const session = (over: Partial<SigningSession>): SigningSession => ({
    id: 's1',
    kind: 'CARD',
    tenantId: 't1',
    contractId: 'c1',
    documentId: 'd1',
    baseRevisionId: 'r1',
    partyId: 'borrower',
    level: 'B-B',
    fieldName: 'Signature1',
    certificateSerial: '01',
    state: 'PREPARED',
    createdAt: now,
    updatedAt: now,
    expiresAt: new Date(now.getTime() + 60_000),
    ...over,
  });

  it('says why a session cannot be claimed', () => {
    expect((unclaimable('s1', undefined, now) as JitsuinError).kind).toBe('NOT_FOUND');
    expect((unclaimable('s1', session({ kind: 'SEAL' }), now) as JitsuinError).kind).toBe('NOT_FOUND');
    const used = unclaimable('s1', session({ state: 'COMPLETED' }), now) as JitsuinError;
    expect([used.kind, used.message]).toEqual(['FAILED_PRECONDITION', 'signing session s1 has already been used; prepare the signature again']);
    const failed = unclaimable('s1', session({ state: 'FAILED', failure: { reason: 'SIGNATURE_LENGTH', message: 'too short' } }), now);
    expect(failed.message).toMatch(/already been used \(it failed: too short\)/);
    const expired = unclaimable('s1', session({ expiresAt: now }), now) as JitsuinError;
    expect([expired.kind, expired.message]).toEqual(['FAILED_PRECONDITION', 'signing session s1 expired at 2026-01-01T00:00:00.000Z; prepare again']);
  });

  it('a refusal spends the session; a transient failure gives it back', () => {
    expect(refusalOf(signingError('FAILED_PRECONDITION', 'HEAD_MOVED', 'moved'))).toEqual({ reason: 'HEAD_MOVED', message: 'moved' });
    expect(refusalOf(new JitsuinError('INVALID_ARGUMENT', 'bad'))).toEqual({ reason: 'INVALID_ARGUMENT', message: 'bad' });
    expect(refusalOf(new JitsuinError('UNAVAILABLE', 'away'))).toBeUndefined();
    expect(refusalOf(new JitsuinError('DEADLINE_EXCEEDED', 'late'))).toBeUndefined();
    expect(refusalOf(new Error('bug'))).toBeUndefined();
  });
});
