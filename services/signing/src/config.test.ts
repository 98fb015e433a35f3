import { describe, expect, it } from 'vitest';
import { readConfig, readSeals } from './config.js';

/** Every service is told who issues its callers' tokens. */
const AUTH = { AUTH_ISSUER: 'http://127.0.0.1:8060' };

describe('config', () => {
  it('has defaults for one machine', () => {
    const config = readConfig(AUTH);
    expect(config).toMatchObject({
      grpcHost: '127.0.0.1',
      grpcPort: 50052,
      mongoUrl: 'mongodb://127.0.0.1:27017/jitsuin_signing',
      documentServiceAddress: '127.0.0.1:50051',
      sessionTtlMs: 600_000,
      allowTestJpki: false,
      signingCaFiles: [],
      jpkiEndpoints: [],
      revocationTimeoutMs: 5000,
    });
    expect(config.tsaUrl).toBeUndefined();
    expect(config.seals.size).toBe(0);
    expect(readConfig({ ...AUTH, MONGO_URL: 'mongodb://db:27017' }).mongoUrl).toBe('mongodb://db:27017/jitsuin_signing');
    expect(readConfig({ ...AUTH, SIGNING_MONGO_URL: 'mongodb://db:27017/own' }).mongoUrl).toBe('mongodb://db:27017/own');
  });

  it('reads seals from SEALS and from SEAL_<ID>_P12 / SEAL_<ID>_PASSWORD', () => {
    const seals = readSeals({
      SEALS: JSON.stringify({ lender: { p12: '/keys/lender.p12', password: 'A' } }),
      SEAL_AGENCY_P12: '/keys/agency.p12',
      SEAL_AGENCY_PASSWORD: 'B',
    });
    expect([...seals.values()]).toEqual([
      { id: 'lender', p12Path: '/keys/lender.p12', password: 'A' },
      { id: 'agency', p12Path: '/keys/agency.p12', password: 'B' },
    ]);
  });

  it('refuses what it cannot use, without quoting passwords', () => {
    expect(() => readSeals({ SEALS: '{nope' })).toThrow(/SEALS must be JSON/);
    expect(() => readSeals({ SEALS: '{"lender": {"p12": "/x"}}' })).toThrow(/needs "p12" .* and "password"/);
    expect(() => readSeals({ SEAL_LENDER_P12: '/x' })).toThrow(/SEAL_LENDER_PASSWORD is not/);
    expect(() => readSeals({ SEALS: '{"lender": {"p12": "/x", "password": "secret"}}', SEAL_LENDER_P12: '/y', SEAL_LENDER_PASSWORD: 'secret' })).toThrow(
      /configured twice/,
    );
    try {
      readSeals({ SEALS: '{"Bad Id": {"p12": "/x", "password": "secret"}}' });
    } catch (err) {
      expect((err as Error).message).not.toContain('secret');
    }
    expect(() => readConfig({ ...AUTH, SESSION_TTL_MS: '10' })).toThrow(/SESSION_TTL_MS/);
    expect(() => readConfig({ ...AUTH, TSA_URL: 'ftp://tsa' })).toThrow(/TSA_URL/);
    expect(() => readConfig({ ...AUTH, ALLOW_TEST_JPKI: 'maybe' })).toThrow(/ALLOW_TEST_JPKI/);
    expect(() => readConfig({ ...AUTH, DOCUMENT_SERVICE_ADDRESS: 'nowhere' })).toThrow(/host:port/);
    expect(() => readConfig({ ...AUTH, REVOCATION_TIMEOUT_MS: '0' })).toThrow(/REVOCATION_TIMEOUT_MS/);
    expect(() => readConfig({ ...AUTH, JPKI_REVOCATION: '[{"issuer": "/roots/g1.pem"}]' })).toThrow(/JPKI_REVOCATION\[0\] needs "ocsp" or "crl"/);
  });

  it('reads where card certificates are checked for revocation, as the verification service does', () => {
    const config = readConfig({
      ...AUTH,
      JPKI_REVOCATION: '[{"issuer": "/roots/g1.pem", "ocsp": "http://jlis.example/ocsp"}]',
      REVOCATION_TIMEOUT_MS: '3000',
    });
    expect(config.jpkiEndpoints).toEqual([{ issuer: '/roots/g1.pem', ocsp: 'http://jlis.example/ocsp' }]);
    expect(config.revocationTimeoutMs).toBe(3000);
  });

  it('will not start without knowing who issues its callers\' tokens', () => {
    expect(() => readConfig({})).toThrow(/AUTH_ISSUER/);
  });
});
