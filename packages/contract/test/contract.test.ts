import { describe, expect, it } from 'vitest';
import { JitsuinError } from '@jitsuin/errors';
import {
  certificationOf,
  checkProvenance,
  type ContractTerms,
  extensionOf,
  hasSigned,
  nextPlatformAct,
  type Provenance,
  type RevisionFacts,
  type RevisionKind,
  sealProvenance,
  signersOf,
  withProvenance,
} from '../src/index.js';

/** A mortgage: the bank certifies, the borrowers sign, then the guarantor, then the bank seals. */
const mortgage = (over: Partial<ContractTerms> = {}): ContractTerms => ({
  state: 'SENT',
  parties: [
    { id: 'borrower', kind: 'PERSON' },
    { id: 'co-borrower', kind: 'PERSON' },
    { id: 'guarantor', kind: 'PERSON' },
    { id: 'bank', kind: 'ORGANIZATION', sealId: 'lender' },
  ],
  steps: [['borrower', 'co-borrower'], ['guarantor'], ['bank']],
  signers: { guarantee: ['guarantor', 'bank'] },
  openSteps: 0,
  certifyingPartyId: 'bank',
  ...over,
});

/** A chain as stored before provenance was recorded: the original, then one revision per [kind, madeBy]. */
const legacy = (...made: [RevisionKind, string][]): RevisionFacts[] =>
  [['ORIGINAL', 'upload'] as [RevisionKind, string], ...made].map(([kind, madeBy], i) => ({ id: `r${i}`, kind, madeBy }));

/** A chain as the signing service writes it now: kind, made-by words and provenance. */
const recorded = (...made: [RevisionKind, string, Provenance][]): RevisionFacts[] => [
  { id: 'r0', kind: 'ORIGINAL', madeBy: 'upload', provenance: { purpose: 'ORIGINAL' } },
  ...made.map(([kind, madeBy, provenance], i) => ({ id: `r${i + 1}`, kind, madeBy, provenance })),
];

const kindOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return [(err as JitsuinError).kind, (err as Error).message];
  }
  return 'none';
};

describe('revisions stored before provenance was recorded are read from kind and madeBy', () => {
  it('the first seal with the certifier’s seal is the certification; a later one its seal; signatures, timestamps and the extension', () => {
    const chain = legacy(
      ['SEAL', 'seal:lender'],
      ['SIGNATURE', 'borrower'],
      ['TIMESTAMP', 'signing-service'],
      ['SEAL', 'seal:lender'],
      ['VALIDATION_DATA', 'signing-service'],
      ['TIMESTAMP', 'signing-service'],
    );
    expect(withProvenance(mortgage(), chain).map((r) => r.provenance)).toEqual([
      { purpose: 'ORIGINAL' },
      { purpose: 'CERTIFICATION', partyId: 'bank', sealId: 'lender' },
      { purpose: 'SIGNATURE', partyId: 'borrower' },
      { purpose: 'TIMESTAMP' },
      { purpose: 'SEAL', partyId: 'bank', sealId: 'lender' },
      { purpose: 'EXTENSION' },
      { purpose: 'EXTENSION' },
    ]);
    expect(certificationOf(mortgage(), chain)?.id).toBe('r1');
    expect(extensionOf(mortgage(), chain)?.id).toBe('r6');
    expect(signersOf(mortgage(), chain)).toEqual(['borrower', 'bank']);
  });

  it('without a certifier, or by another seal, or not first, a seal is no certification', () => {
    const sealedFirst = legacy(['SEAL', 'seal:lender']);
    expect(withProvenance(mortgage({ certifyingPartyId: undefined }), sealedFirst)[1]!.provenance).toEqual({ purpose: 'SEAL', partyId: 'bank', sealId: 'lender' });
    expect(certificationOf(mortgage({ certifyingPartyId: undefined }), sealedFirst)).toBeUndefined();
    expect(hasSigned(mortgage({ certifyingPartyId: undefined }), 'bank', sealedFirst)).toBe(true);
    expect(certificationOf(mortgage(), legacy(['SEAL', 'seal:other-bank']))).toBeUndefined();
    expect(certificationOf(mortgage(), legacy(['SIGNATURE', 'borrower'], ['SEAL', 'seal:lender']))).toBeUndefined();
    // The certification is not the bank's seal of its step.
    expect(hasSigned(mortgage(), 'bank', sealedFirst)).toBe(false);
    // A timestamp not after validation data makes a signature B-T: no extension.
    expect(extensionOf(mortgage(), legacy(['SIGNATURE', 'borrower'], ['TIMESTAMP', 'signing-service']))).toBeUndefined();
  });
});

describe('recorded provenance', () => {
  it('says whose seal it is where the made-by words cannot (two organisations with one seal)', () => {
    const shared = mortgage({
      parties: [...mortgage().parties, { id: 'branch', kind: 'ORGANIZATION', sealId: 'lender' }],
      steps: [['borrower', 'co-borrower'], ['guarantor'], ['bank', 'branch']],
    });
    const chain = recorded(['SIGNATURE', 'borrower', { purpose: 'SIGNATURE', partyId: 'borrower' }], ['SEAL', 'seal:lender', { purpose: 'SEAL', partyId: 'branch', sealId: 'lender' }]);
    expect(hasSigned(shared, 'branch', chain)).toBe(true);
    expect(hasSigned(shared, 'bank', chain)).toBe(false);
    // Read from the words alone, the seal would be the first holder's.
    expect(hasSigned(shared, 'bank', legacy(['SIGNATURE', 'borrower'], ['SEAL', 'seal:lender']))).toBe(true);
  });

  it('a chain stored partly before and partly after reads both', () => {
    const chain: RevisionFacts[] = [
      ...legacy(['SEAL', 'seal:lender'], ['SIGNATURE', 'borrower']),
      { id: 'r3', kind: 'SIGNATURE', madeBy: 'co-borrower', provenance: { purpose: 'SIGNATURE', partyId: 'co-borrower' } },
    ];
    expect(certificationOf(mortgage(), chain)?.id).toBe('r1');
    expect(signersOf(mortgage(), chain)).toEqual(['borrower', 'co-borrower']);
  });

  it('a seal made without a named party: the certifier certifying, else the organisation holding the seal', () => {
    expect(sealProvenance(mortgage(), 'loan', 'lender', true)).toEqual({ purpose: 'CERTIFICATION', partyId: 'bank', sealId: 'lender' });
    expect(sealProvenance(mortgage(), 'loan', 'lender', false)).toEqual({ purpose: 'SEAL', partyId: 'bank', sealId: 'lender' });
    expect(sealProvenance(mortgage({ certifyingPartyId: undefined }), 'loan', 'lender', true)).toEqual({ purpose: 'SEAL', partyId: 'bank', sealId: 'lender' });
    expect(sealProvenance(mortgage(), 'loan', 'agency', false)).toEqual({ purpose: 'SEAL', sealId: 'agency' });
  });
});

describe('what the platform must sign next', () => {
  const certification: [RevisionKind, string, Provenance] = ['SEAL', 'seal:lender', { purpose: 'CERTIFICATION', partyId: 'bank', sealId: 'lender' }];
  const signature = (partyId: string): [RevisionKind, string, Provenance] => ['SIGNATURE', partyId, { purpose: 'SIGNATURE', partyId }];
  const bankSeal: [RevisionKind, string, Provenance] = ['SEAL', 'seal:lender', { purpose: 'SEAL', partyId: 'bank', sealId: 'lender' }];
  const people = [signature('borrower'), signature('co-borrower'), signature('guarantor')];

  it('a mortgage: the certification at send, the bank’s seal when its step opens, then B-LTA; nothing twice', () => {
    expect(nextPlatformAct(mortgage(), 'loan', recorded())).toEqual({ purpose: 'CERTIFICATION', partyId: 'bank', sealId: 'lender' });
    expect(nextPlatformAct(mortgage(), 'loan', recorded(certification))).toBeUndefined();
    const open3 = mortgage({ state: 'PARTIALLY_SIGNED', openSteps: 3 });
    // The certification is not the bank's seal of step 3.
    expect(nextPlatformAct(open3, 'loan', recorded(certification, ...people))).toEqual({ purpose: 'SEAL', partyId: 'bank', sealId: 'lender', step: 2 });
    expect(nextPlatformAct(open3, 'loan', recorded(certification, ...people, bankSeal))).toBeUndefined();
    const signed = mortgage({ state: 'SIGNED', openSteps: 3 });
    expect(nextPlatformAct(signed, 'loan', recorded(certification, ...people, bankSeal))).toEqual({ purpose: 'EXTENSION' });
    const lta = recorded(certification, ...people, bankSeal, ['VALIDATION_DATA', 'signing-service', { purpose: 'EXTENSION' }], ['TIMESTAMP', 'signing-service', { purpose: 'EXTENSION' }]);
    expect(nextPlatformAct(signed, 'loan', lta)).toBeUndefined();
    for (const state of ['DRAFT', 'SEALED', 'VOIDED', 'DECLINED', 'EXPIRED', 'ARCHIVED'] as const) {
      expect(nextPlatformAct(mortgage({ state }), 'loan', recorded())).toBeUndefined();
    }
  });

  it('an organisation first, without a certifier: its seal, once (the seal is the first change, not a certification)', () => {
    const bankFirst = mortgage({ certifyingPartyId: undefined, steps: [['bank'], ['borrower']], openSteps: 1 });
    expect(nextPlatformAct(bankFirst, 'loan', recorded())).toEqual({ purpose: 'SEAL', partyId: 'bank', sealId: 'lender', step: 0 });
    expect(nextPlatformAct(bankFirst, 'loan', recorded(bankSeal))).toBeUndefined();
    // Also when the seal was stored before provenance was recorded.
    expect(nextPlatformAct(bankFirst, 'loan', legacy(['SEAL', 'seal:lender']))).toBeUndefined();
  });

  it('a document signed before it was certified is not certified any more; an organisation seals only what it signs', () => {
    expect(nextPlatformAct(mortgage(), 'loan', recorded(signature('borrower')))).toBeUndefined();
    const guarantorOnly = mortgage({ state: 'PARTIALLY_SIGNED', openSteps: 3, signers: { guarantee: ['guarantor'] } });
    expect(nextPlatformAct(guarantorOnly, 'guarantee', recorded(certification, signature('guarantor')))).toBeUndefined();
  });
});

describe('a provenance that does not fit its revision is refused', () => {
  const terms = mortgage();
  it('by its kind, its party or seal, or its place', () => {
    const check = (p: Provenance, kind: RevisionKind, chain = recorded()) => kindOf(() => checkProvenance(p, kind, chain, terms));
    expect(check({ purpose: 'SIGNATURE', partyId: 'borrower' }, 'SIGNATURE')).toBe('none');
    expect(check({ purpose: 'CERTIFICATION', partyId: 'bank', sealId: 'lender' }, 'SEAL')).toBe('none');
    expect(check({ purpose: 'EXTENSION' }, 'VALIDATION_DATA')).toBe('none');
    expect(check({ purpose: 'SEAL', partyId: 'bank', sealId: 'lender' }, 'SIGNATURE')).toEqual([
      'INVALID_ARGUMENT',
      'a revision of kind SIGNATURE cannot be a seal (that is made of SEAL)',
    ]);
    expect(check({ purpose: 'ORIGINAL' }, 'ORIGINAL')).toEqual(['INVALID_ARGUMENT', 'a new revision cannot be an original']);
    expect(check({ purpose: 'SIGNATURE' }, 'SIGNATURE')).toEqual(['INVALID_ARGUMENT', 'a signature names the party that made it']);
    expect(check({ purpose: 'SIGNATURE', partyId: 'stranger' }, 'SIGNATURE')).toEqual(['INVALID_ARGUMENT', "party stranger is not a party of the document's contract"]);
    expect(check({ purpose: 'SIGNATURE', partyId: 'bank' }, 'SIGNATURE')).toEqual(['INVALID_ARGUMENT', 'party bank is an organisation: it seals, it does not sign with a card']);
    expect(check({ purpose: 'SEAL', partyId: 'bank', sealId: 'agency' }, 'SEAL')).toEqual(['INVALID_ARGUMENT', 'seal agency is not the seal of party bank']);
    expect(check({ purpose: 'TIMESTAMP', partyId: 'bank' }, 'TIMESTAMP')).toEqual(['INVALID_ARGUMENT', 'a timestamp is made by the platform: it names no party or seal']);
    expect(check({ purpose: 'CERTIFICATION', partyId: 'bank', sealId: 'lender' }, 'SEAL', recorded(['SIGNATURE', 'borrower', { purpose: 'SIGNATURE', partyId: 'borrower' }]))).toEqual([
      'INVALID_ARGUMENT',
      'a certification is the first change to a document: this one has changed since its upload',
    ]);
    expect(kindOf(() => checkProvenance({ purpose: 'CERTIFICATION', partyId: 'bank', sealId: 'lender' }, 'SEAL', recorded(), { ...terms, certifyingPartyId: undefined }))).toEqual([
      'INVALID_ARGUMENT',
      "party bank is not the contract's certifying organisation",
    ]);
  });
});
