import { describe, expect, it } from 'vitest';
import { readConfig } from './config.js';

/** Every service is told who issues its callers' tokens. */
const AUTH = { AUTH_ISSUER: 'http://127.0.0.1:8060' };

describe('settings', () => {
  it('has working defaults', () => {
    const config = readConfig(AUTH);
    expect(config).toMatchObject({ grpcPort: 50053, groupId: 'jitsuin-notification', maxAttempts: 8, lineApiBaseUrl: 'https://api.line.me', smtpUrl: undefined });
    expect(config.mongoUrl).toBe('mongodb://127.0.0.1:27017/jitsuin_notification');
    expect(config.leaseMs).toBeGreaterThan(2 * config.sendTimeoutMs);
  });

  it('refuses what would not work, naming the variable', () => {
    expect(() => readConfig({ ...AUTH, SMTP_URL: 'http://mail.example' })).toThrow('SMTP_URL must be a smtp or smtps URL');
    expect(() => readConfig({ ...AUTH, NOTIFY_SEND_TIMEOUT_MS: '20000', NOTIFY_LEASE_MS: '30000' })).toThrow('NOTIFY_LEASE_MS must be more than twice NOTIFY_SEND_TIMEOUT_MS');
    expect(() => readConfig({ ...AUTH, NOTIFY_RETRY_INITIAL_MS: '5000', NOTIFY_RETRY_MAX_MS: '1000' })).toThrow('NOTIFY_RETRY_MAX_MS must not be less than NOTIFY_RETRY_INITIAL_MS');
    expect(() => readConfig({ ...AUTH, NOTIFY_MAX_ATTEMPTS: '0' })).toThrow('NOTIFY_MAX_ATTEMPTS must be a whole number from 1 to 100');
  });

  it('will not start without knowing who issues its callers\' tokens', () => {
    expect(() => readConfig({})).toThrow(/AUTH_ISSUER/);
  });
});
