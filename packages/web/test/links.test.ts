import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { linkKey, LinkRefused, signedLink, verifyLink } from '../src/index.js';

/** The link rules without a server (the verification service's tests open real pages with them). */

const expected = { purpose: 'test:page', tenant: 'bank-a', resource: 'rev-1' };
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => 'opened',
    (err: unknown) => (err instanceof LinkRefused ? err.reason : `threw ${String(err)}`),
  );

describe('signed links', () => {
  const current = randomBytes(32);
  const previous = randomBytes(32);

  it('opens until its expiry, and not after', async () => {
    const now = new Date('2026-12-07T12:00:00Z');
    const { token, expiresAt } = await signedLink({ current }, { ...expected, ttlMs: 15 * 60_000, now });
    expect(expiresAt.toISOString()).toBe('2026-12-07T12:15:00.000Z');
    await expect(verifyLink({ current }, token, expected, new Date('2026-12-07T12:14:59Z'))).resolves.toMatchObject({ ...expected, expiresAt });
    expect(await refusal(verifyLink({ current }, token, expected, new Date('2026-12-07T12:16:00Z')))).toBe('expired');
  });

  it('rotation: a link signed with the previous key opens while it is configured, not once it is removed', async () => {
    const { token } = await signedLink({ current: previous }, { ...expected, ttlMs: 60_000 });
    await expect(verifyLink({ current, previous }, token, expected)).resolves.toMatchObject(expected);
    expect(await refusal(verifyLink({ current }, token, expected))).toBe('invalid');
  });

  it('another algorithm with the right key, or a JWT that is not a link (no link type), is refused', async () => {
    const claims = { ten: expected.tenant };
    const hs512 = await new SignJWT(claims).setProtectedHeader({ alg: 'HS512', typ: 'jitsuin-link+jwt' }).setAudience(expected.purpose).setSubject(expected.resource).setExpirationTime('5m').sign(current);
    expect(await refusal(verifyLink({ current }, hs512, expected))).toBe('invalid');
    const plain = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setAudience(expected.purpose).setSubject(expected.resource).setExpirationTime('5m').sign(current);
    expect(await refusal(verifyLink({ current }, plain, expected))).toBe('invalid');
    const noExpiry = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'jitsuin-link+jwt' }).setAudience(expected.purpose).setSubject(expected.resource).sign(current);
    expect(await refusal(verifyLink({ current }, noExpiry, expected))).toBe('invalid');
  });

  it('statuses: 401 without a usable link, 403 for a valid link to something else', async () => {
    const { token } = await signedLink({ current }, { ...expected, ttlMs: 60_000 });
    const elsewhere = await verifyLink({ current }, token, { ...expected, resource: 'rev-2' }).catch((e: LinkRefused) => e);
    expect(elsewhere).toMatchObject({ reason: 'elsewhere', httpStatus: 403 });
    const missing = await verifyLink({ current }, undefined, expected).catch((e: LinkRefused) => e);
    expect(missing).toMatchObject({ reason: 'missing', httpStatus: 401 });
  });

  it('keys are at least 32 bytes', () => {
    expect(() => linkKey('REPORT_LINK_KEY', 'x'.repeat(31))).toThrow(/at least 32 bytes/);
    expect(linkKey('REPORT_LINK_KEY', 'x'.repeat(32))).toHaveLength(32);
  });
});
