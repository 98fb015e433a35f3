import { describe, expect, it } from 'vitest';
import { revocationMeaning, revocationReasonFromCode } from '../src/index.js';

describe('revocationMeaning: the table lenders need', () => {
  it.each([
    [{ signing: { status: 'good' as const }, auth: { status: 'good' as const } }, 'ALIVE'],
    [{ signing: { status: 'good' as const } }, 'ALIVE'],
    [{ signing: { status: 'revoked' as const, reason: 'affiliationChanged' as const }, auth: { status: 'good' as const } }, 'FACTS_CHANGED'],
    [{ signing: { status: 'revoked' as const, reason: 'affiliationChanged' as const }, auth: { status: 'revoked' as const, reason: 'affiliationChanged' as const } }, 'REMOVED_FROM_REGISTER'],
    [{ signing: { status: 'revoked' as const, reason: 'affiliationChanged' as const } }, 'FACTS_CHANGED_OR_REMOVED'],
    [{ signing: { status: 'revoked' as const, reason: 'affiliationChanged' as const }, auth: { status: 'unknown' as const } }, 'FACTS_CHANGED_OR_REMOVED'],
    [{ signing: { status: 'revoked' as const, reason: 'cessationOfOperation' as const }, auth: { status: 'revoked' as const, reason: 'cessationOfOperation' as const } }, 'REVOCATION_REQUESTED'],
    [{ signing: { status: 'revoked' as const, reason: 'superseded' as const } }, 'RENEWED'],
    [{ signing: { status: 'revoked' as const, reason: 'certificateHold' as const } }, 'CARD_LOST_OR_STOLEN'],
    [{ signing: { status: 'revoked' as const, reason: 'keyCompromise' as const } }, 'KEY_COMPROMISED'],
    [{ signing: { status: 'revoked' as const, reason: 'privilegeWithdrawn' as const } }, 'REVOKED_OTHER'],
    [{ signing: { status: 'revoked' as const } }, 'REVOKED_OTHER'],
    [{ signing: { status: 'unknown' as const }, auth: { status: 'good' as const } }, 'STATUS_UNKNOWN'],
  ])('%j → %s', (state, code) => {
    const m = revocationMeaning(state);
    expect(m.code).toBe(code);
    expect(m.ja).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
    expect(m.en.length).toBeGreaterThan(10);
  });

  it('says death or emigration in both languages', () => {
    const m = revocationMeaning({ signing: { status: 'revoked', reason: 'affiliationChanged' }, auth: { status: 'revoked' } });
    expect(m.ja).toContain('死亡');
    expect(m.en).toContain('death or emigration');
  });

  it('maps RFC 5280 reason codes', () => {
    expect(revocationReasonFromCode(3)).toBe('affiliationChanged');
    expect(revocationReasonFromCode(6)).toBe('certificateHold');
    expect(revocationReasonFromCode(7)).toBeUndefined();
  });
});
