import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { JitsuinError } from '@jitsuin/errors';
import { createTestIssuer, signToken } from '@jitsuin/testkit/tokens';
import { PLATFORM_AUDIENCE, TokenVerifier } from '../src/index.js';

const issuer = createTestIssuer('http://127.0.0.1:8060');
const verifier = new TokenVerifier({ issuer: issuer.issuer, keys: { set: issuer.jwks } });

/** The refusal a token gets: its kind and message. */
async function refusal(token: string): Promise<{ kind: string; message: string }> {
  try {
    await verifier.verify(token);
  } catch (err) {
    if (err instanceof JitsuinError) return { kind: err.kind, message: err.message };
    throw err;
  }
  throw new Error('the token was accepted');
}

describe('platform access tokens', () => {
  it("reads the caller from a token the platform signed: tenant, roles, subject", async () => {
    const caller = await verifier.verify(await issuer.mint({ tenant: 'bank-a', roles: ['sender', 'auditor'] }));
    expect(caller.tenantId).toBe('bank-a');
    expect([...caller.roles].sort()).toEqual(['auditor', 'sender']);
    expect(caller.service).toBeUndefined();
    const service = await verifier.verify(await issuer.mint({ service: 'signing' }));
    expect(service).toMatchObject({ service: 'signing', clientId: 'jitsuin-service-signing' });
    expect(service.tenantId).toBeUndefined();
  });

  it('refuses an expired token, and says to get a new one', async () => {
    expect(await refusal(await issuer.mint({ tenant: 'bank-a', roles: ['sender'] }, { expiresIn: -120 }))).toEqual({
      kind: 'UNAUTHENTICATED',
      message: expect.stringMatching(/expired/),
    });
  });

  it('refuses a token signed by another key, also one that claims the platform key id', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const foreign = await signToken(privateKey, issuer.jwks.keys[0]!.kid!, issuer.issuer, { tenant: 'bank-a', roles: ['admin'] });
    expect(await refusal(foreign)).toEqual({ kind: 'UNAUTHENTICATED', message: expect.stringMatching(/signature/) });
    const unknownKid = await signToken(privateKey, randomUUID(), issuer.issuer, { tenant: 'bank-a', roles: ['admin'] });
    expect(await refusal(unknownKid)).toEqual({ kind: 'UNAUTHENTICATED', message: expect.stringMatching(/key the platform does not publish/) });
  });

  it("refuses alg none and an HMAC token keyed with the platform's public key", async () => {
    const none = new UnsecuredJWT({ sub: 'x', client_id: 'x', scope: 'admin', tenant_id: 'bank-a', jti: randomUUID() })
      .setIssuer(issuer.issuer)
      .setAudience(PLATFORM_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .encode();
    expect((await refusal(none)).kind).toBe('UNAUTHENTICATED');
    const publicJwk = JSON.stringify(issuer.jwks.keys[0]);
    const hs = await new SignJWT({ sub: 'x', client_id: 'x', scope: 'admin', tenant_id: 'bank-a' })
      .setProtectedHeader({ alg: 'HS256', kid: issuer.jwks.keys[0]!.kid })
      .setIssuer(issuer.issuer)
      .setAudience(PLATFORM_AUDIENCE)
      .setIssuedAt()
      .setJti(randomUUID())
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(publicJwk));
    expect(await refusal(hs)).toEqual({ kind: 'UNAUTHENTICATED', message: expect.stringMatching(/algorithm/) });
  });

  it('refuses a token for another audience or from another issuer', async () => {
    const otherAudience = await issuer.mint({ tenant: 'bank-a', roles: ['sender'] }, { audience: 'https://other.example' });
    expect(await refusal(otherAudience)).toEqual({ kind: 'UNAUTHENTICATED', message: expect.stringMatching(/not meant for the platform/) });
    const otherIssuer = await issuer.mint({ tenant: 'bank-a', roles: ['sender'] }, { issuer: 'https://idp.bank.example' });
    expect(await refusal(otherIssuer)).toEqual({ kind: 'UNAUTHENTICATED', message: expect.stringMatching(/another issuer/) });
  });

  it('refuses tokens that grant nothing or mix a tenant with platform roles', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const own = createTestIssuer('http://127.0.0.1:8061');
    const mint = (claims: Record<string, unknown>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'k', typ: 'at+jwt' })
        .setIssuer(own.issuer)
        .setAudience(PLATFORM_AUDIENCE)
        .setIssuedAt()
        .setJti(randomUUID())
        .setExpirationTime('5m')
        .sign(privateKey);
    const jwk = { ...(privateKey.export({ format: 'jwk' }) as Record<string, unknown>), d: undefined, kid: 'k', alg: 'ES256' };
    const strict = new TokenVerifier({ issuer: own.issuer, keys: { set: { keys: [jwk as never] } } });
    const refused = (token: string) => strict.verify(token).then(() => 'accepted', (err: Error) => err.message);
    expect(await refused(await mint({ sub: 'a', client_id: 'a', scope: 'openid email', tenant_id: 'bank-a' }))).toMatch(/grants no role/);
    expect(await refused(await mint({ sub: 'a', client_id: 'a', scope: 'sender' }))).toMatch(/names no tenant/);
    expect(await refused(await mint({ sub: 'a', client_id: 'a', scope: 'operator', tenant_id: 'bank-a' }))).toMatch(/platform token names no tenant/);
    expect(await refused(await mint({ sub: 'a', client_id: 'a', scope: 'service operator sender' }))).toMatch(/no tenant role/);
    expect(await refused(await mint({ sub: 'a', client_id: 'bank-system', scope: 'service' }))).toMatch(/not a platform service/);
    own.close();
  });

  it('knows a token it verified until the token expires, and not a moment longer', async () => {
    const exact = new TokenVerifier({ issuer: issuer.issuer, keys: { set: issuer.jwks }, clockToleranceSec: 0 });
    const token = await issuer.mint({ tenant: 'bank-a', roles: ['sender'] }, { expiresIn: 1 });
    const first = await exact.verify(token);
    // The same object again: taken from what it verified, not verified again.
    expect(await exact.verify(token)).toBe(first);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, first.expiresAt.getTime() - Date.now()) + 50));
    await expect(exact.verify(token)).rejects.toThrow(/expired/);
  });

  it('refuses a token too long to be one without parsing it', async () => {
    expect(await refusal('a'.repeat(9000))).toEqual({ kind: 'UNAUTHENTICATED', message: expect.stringMatching(/too long/) });
  });

  it("says the platform's keys are unreachable (UNAVAILABLE), not that the caller is wrong", async () => {
    const away = new TokenVerifier({ issuer: issuer.issuer, keys: { url: new URL('http://127.0.0.1:9/jwks') } });
    const err = await away.verify(await issuer.mint({ tenant: 'bank-a', roles: ['sender'] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JitsuinError);
    expect((err as JitsuinError).kind).toBe('UNAVAILABLE');
  });
});
