import { describe, expect, it } from 'vitest';
import { readConfig } from './config.js';
import { addressPolicyFor } from './domain/signer-facts.js';

/** Every service is told who issues its callers' tokens. */
const AUTH = { AUTH_ISSUER: 'http://127.0.0.1:8060' };

describe('the tenants’ address policies', () => {
  it('compare the whole address unless told otherwise, per tenant', () => {
    const policies = readConfig({ ...AUTH, SIGNER_ADDRESS_POLICY_BY_TENANT: 'bank-a=prefecture-and-city, agency-b = IGNORE' }).signerAddressPolicies;
    expect(addressPolicyFor(policies, 'bank-a')).toBe('prefecture-and-city');
    expect(addressPolicyFor(policies, 'agency-b')).toBe('ignore');
    expect(addressPolicyFor(policies, 'bank-c')).toBe('exact');
    expect(addressPolicyFor(policies, 'constructor')).toBe('exact');
    const relaxed = readConfig({ ...AUTH, SIGNER_ADDRESS_POLICY: 'prefecture-and-city', SIGNER_ADDRESS_POLICY_BY_TENANT: 'bank-a=exact' }).signerAddressPolicies;
    expect(addressPolicyFor(relaxed, 'bank-c')).toBe('prefecture-and-city');
    expect(addressPolicyFor(relaxed, 'bank-a')).toBe('exact');
  });

  it('refuse a policy there is not, naming the setting and the choices', () => {
    expect(() => readConfig({ ...AUTH, SIGNER_ADDRESS_POLICY: 'city' })).toThrow('SIGNER_ADDRESS_POLICY must be one of exact, prefecture-and-city, ignore');
    expect(() => readConfig({ ...AUTH, SIGNER_ADDRESS_POLICY_BY_TENANT: 'bank-a=loose' })).toThrow(/SIGNER_ADDRESS_POLICY_BY_TENANT \(bank-a\) must be one of/);
    expect(() => readConfig({ ...AUTH, SIGNER_ADDRESS_POLICY_BY_TENANT: 'bank-a' })).toThrow(/tenant=policy pairs/);
  });
});
