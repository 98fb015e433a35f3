import { describe, expect, it } from 'vitest';
import { JitsuinError } from '@jitsuin/errors';
import { allow, authorize, callerFromClaims, tenantOf, type Caller } from '../src/index.js';

const caller = (claims: Record<string, unknown>): Caller =>
  callerFromClaims({ sub: 's', client_id: 'c', jti: 'j', exp: Math.floor(Date.now() / 1000) + 60, ...claims });
const kindOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof JitsuinError ? err.kind : String(err);
  }
  return 'allowed';
};

describe('who may call what', () => {
  const sender = caller({ scope: 'sender', tenant_id: 'bank-a' });
  const auditor = caller({ scope: 'auditor', tenant_id: 'bank-a' });
  const operator = caller({ scope: 'operator' });
  const signing = caller({ scope: 'service', client_id: 'jitsuin-service-signing' });
  const verification = caller({ scope: 'service', client_id: 'jitsuin-service-verification' });

  it('allows the roles and services a method names, and no one else', () => {
    const access = allow('sender', 'signing');
    expect(kindOf(() => authorize(sender, access, 'SendContract'))).toBe('allowed');
    expect(kindOf(() => authorize(signing, access, 'SendContract'))).toBe('allowed');
    expect(kindOf(() => authorize(auditor, access, 'SendContract'))).toBe('PERMISSION_DENIED');
    expect(kindOf(() => authorize(operator, access, 'SendContract'))).toBe('PERMISSION_DENIED');
    expect(kindOf(() => authorize(verification, access, 'SendContract'))).toBe('PERMISSION_DENIED');
  });

  it("takes a member's tenant from the token: another tenant named in a request is not found", () => {
    expect(tenantOf(sender, '')).toBe('bank-a');
    expect(tenantOf(sender, 'bank-a')).toBe('bank-a');
    expect(kindOf(() => tenantOf(sender, 'bank-b'))).toBe('NOT_FOUND');
  });

  it('lets the platform act for the tenant a request names, and only when it names one', () => {
    expect(tenantOf(signing, 'bank-b')).toBe('bank-b');
    expect(kindOf(() => tenantOf(signing, ''))).toBe('INVALID_ARGUMENT');
    expect(kindOf(() => tenantOf(operator, undefined))).toBe('INVALID_ARGUMENT');
  });
});
