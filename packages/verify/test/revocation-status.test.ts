import { describe, expect, it } from 'vitest';
import type { Cert } from '@jitsuin/pades';
import { type RevocationEvidence, type RevocationSource, revocationStatusAt } from '../src/index.js';

// revocationStatusAt decides from what the sources answer; the sources here are plain objects so
// that each case says exactly what a source answered. (The HTTP sources are tested in
// verify.test.ts against the test PKI's real OCSP and CRL servers.) They never look at the
// certificate, so none is made.
const q = { cert: {} as Cert, issuer: {} as Cert };
const at = new Date('2026-12-07T10:00:00Z');
const hour = 3_600_000;
const question = { at, validationTime: at, maxAgeMs: 24 * hour, who: 'the card' };

const evidence = (e: Partial<RevocationEvidence>): RevocationEvidence => ({
  source: 'OCSP',
  kind: 'ocsp',
  status: 'good',
  thisUpdate: new Date(at.getTime() - hour),
  nextUpdate: new Date(at.getTime() + hour),
  origin: 'OCSP http://ocsp.example',
  ...e,
});
const answering = (name: string, answer: RevocationEvidence | undefined): RevocationSource => ({ name, check: async () => answer });
const failing = (name: string, why: string): RevocationSource => ({
  name,
  check: async () => {
    throw new Error(why);
  },
});

describe('revocationStatusAt', () => {
  it('takes the first answer that tells the status, noting the sources that could not answer', async () => {
    const good = evidence({});
    const answer = await revocationStatusAt([failing('JPKI', 'connection refused'), answering('OCSP', good), answering('CRL', evidence({ status: 'revoked' }))], q, question);
    expect(answer.evidence).toBe(good);
    expect(answer.messages).toEqual(['the card: JPKI could not answer (connection refused)']);
  });

  it('skips a stale answer for a later one; with none that tells the status, returns the stale one as unusable', async () => {
    const stale = evidence({ thisUpdate: new Date(at.getTime() - 48 * hour), nextUpdate: new Date(at.getTime() - 24 * hour) });
    const crl = evidence({ kind: 'crl', origin: 'CRL http://crl.example' });
    expect((await revocationStatusAt([answering('OCSP', stale), answering('CRL', crl)], q, question)).evidence).toBe(crl);
    const none = await revocationStatusAt([answering('OCSP', stale), failing('CRL', 'timed out')], q, question);
    expect(none.evidence).toBeUndefined();
    expect(none.unusable).toBe(stale);
    expect(none.messages).toHaveLength(2);
    expect(none.messages[0]).toMatch(/^the card: OCSP http:\/\/ocsp.example says good, .* which does not tell the status at 2026-12-07T10:00:00.000Z \(stale\)$/);
  });

  it('stops waiting when the signal aborts, with its reason, and asks no further source', async () => {
    const controller = new AbortController();
    let asked = 0;
    const hanging: RevocationSource = { name: 'OCSP', check: () => new Promise(() => (asked += 1)) };
    const next: RevocationSource = { name: 'CRL', check: async () => ((asked += 10), evidence({})) };
    const answer = revocationStatusAt([hanging, next], q, { ...question, signal: controller.signal });
    const reason = new Error('the deadline passed');
    controller.abort(reason);
    await expect(answer).rejects.toBe(reason);
    expect(asked).toBe(1);
    await expect(revocationStatusAt([next], q, { ...question, signal: controller.signal })).rejects.toBe(reason);
  });
});
