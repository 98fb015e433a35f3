import { callerFromClaims } from '@jitsuin/auth';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  callUnary,
  dropDatabase,
  generateKeyPairJwk,
  getToken,
  oauth,
  oauthClient,
  oauthErrorOf,
  platformToken,
  privateKeyOf,
  rawDocuments,
  registerKeyClient,
  startTestAuth,
  tenantId,
  verifyToken,
  writePlatformAuthFiles,
  type PlatformAuthFiles,
  type TestAuth,
} from './harness.js';

let files: PlatformAuthFiles;
let auth: TestAuth;
let operator: string;
beforeAll(async () => {
  files = await writePlatformAuthFiles();
  auth = await startTestAuth(files);
  operator = await platformToken(auth.issuer, files.operator);
});
afterAll(async () => {
  await auth?.stop();
  if (auth) await dropDatabase(auth.config.mongoUrl);
  await files?.remove();
});

/** A token request with a hand-made client assertion, as an attacker or a broken client sends it. */
async function tokenRequestWith(clientId: string, assertion: string): Promise<{ status: number; error?: string }> {
  const response = await fetch(`${auth.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    }),
  });
  const body = (await response.json()) as { error?: string };
  return { status: response.status, error: body.error };
}

describe('client credentials with private_key_jwt', () => {
  it('issues a JWT access token for the platform with the client tenant and roles, for at most 5 minutes', async () => {
    const tenant = tenantId();
    const { clientId, key } = await registerKeyClient(auth, operator, tenant, ['sender', 'auditor']);

    const token = await getToken(await oauthClient(auth.issuer, clientId, { key }));
    const { payload, kid } = await verifyToken(auth.issuer, token);

    expect(kid).toBe(files.signingKeys[0]!.kid);
    expect(payload).toMatchObject({ iss: auth.issuer, aud: 'urn:jitsuin:api', sub: clientId, client_id: clientId, tenant_id: tenant });
    expect(new Set((payload.scope as string).split(' '))).toEqual(new Set(['sender', 'auditor']));
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(300);
    expect(payload.exp! - payload.iat!).toBeGreaterThan(0);
    expect(typeof payload.jti).toBe('string');
    const caller = callerFromClaims(payload);
    expect(caller).toMatchObject({ clientId, tenantId: tenant });
    expect([...caller.roles].sort()).toEqual(['auditor', 'sender']);
  });

  it('narrows the roles to the scope asked for, and refuses a scope beyond the registered roles', async () => {
    const { clientId, key } = await registerKeyClient(auth, operator, tenantId(), ['sender', 'auditor']);
    const client = await oauthClient(auth.issuer, clientId, { key });

    const { payload } = await verifyToken(auth.issuer, await getToken(client, 'auditor'));
    expect(payload.scope).toBe('auditor');

    expect(await oauthErrorOf(getToken(client, 'admin'))).toBe('invalid_scope');
    expect(await oauthErrorOf(getToken(client, 'sender operator'))).toBe('invalid_scope');
  });

  it("gives a platform service's client the service role and no tenant, and the operator the operator role", async () => {
    const service = await verifyToken(auth.issuer, await platformToken(auth.issuer, files.service('signing')));
    expect(service.payload).toMatchObject({ sub: 'jitsuin-service-signing', scope: 'service' });
    expect(service.payload.tenant_id).toBeUndefined();
    expect(callerFromClaims(service.payload).service).toBe('signing');

    const op = await verifyToken(auth.issuer, operator);
    expect(op.payload).toMatchObject({ sub: files.operator.clientId, scope: 'operator' });
    expect(op.payload.tenant_id).toBeUndefined();
  });

  it('issues tokens for the platform only: another resource is invalid_target', async () => {
    const { clientId, key } = await registerKeyClient(auth, operator, tenantId(), ['sender']);
    const client = await oauthClient(auth.issuer, clientId, { key });
    expect(await oauthErrorOf(oauth.clientCredentialsGrant(client, { resource: 'https://other-api.example' }))).toBe('invalid_target');
    const explicit = await oauth.clientCredentialsGrant(client, { resource: 'urn:jitsuin:api' });
    expect((await verifyToken(auth.issuer, explicit.access_token)).payload.aud).toBe('urn:jitsuin:api');
  });

  it('accepts an assertion whose audience is the token endpoint', async () => {
    const { clientId, key } = await registerKeyClient(auth, operator, tenantId(), ['sender']);
    const client = await oauthClient(auth.issuer, clientId, { key, modify: (_header, payload) => void (payload.aud = `${auth.issuer}/token`) });
    expect((await verifyToken(auth.issuer, await getToken(client))).payload.sub).toBe(clientId);
  });

  it('refuses an assertion signed with a key the client did not register', async () => {
    const { clientId } = await registerKeyClient(auth, operator, tenantId(), ['sender']);
    const stranger = await generateKeyPairJwk('ES256');
    expect(await oauthErrorOf(getToken(await oauthClient(auth.issuer, clientId, { key: stranger })))).toBe('invalid_client');
  });

  it('refuses an expired assertion', async () => {
    const { clientId, key } = await registerKeyClient(auth, operator, tenantId(), ['sender']);
    const now = Math.floor(Date.now() / 1000);
    const client = await oauthClient(auth.issuer, clientId, {
      key,
      modify: (_header, payload) => {
        payload.iat = now - 600;
        payload.nbf = now - 600;
        payload.exp = now - 300;
      },
    });
    expect(await oauthErrorOf(getToken(client))).toBe('invalid_client');
  });

  it('refuses an assertion for another audience', async () => {
    const { clientId, key } = await registerKeyClient(auth, operator, tenantId(), ['sender']);
    const client = await oauthClient(auth.issuer, clientId, { key, modify: (_header, payload) => void (payload.aud = 'https://other-as.example/token') });
    expect(await oauthErrorOf(getToken(client))).toBe('invalid_client');
  });

  it('refuses an unsigned assertion (alg none)', async () => {
    const { clientId } = await registerKeyClient(auth, operator, tenantId(), ['sender']);
    const now = Math.floor(Date.now() / 1000);
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${part({ alg: 'none', typ: 'JWT' })}.${part({ iss: clientId, sub: clientId, aud: auth.issuer, jti: crypto.randomUUID(), iat: now, exp: now + 60 })}.`;
    expect(await tokenRequestWith(clientId, unsigned)).toEqual({ status: 401, error: 'invalid_client' });
  });

  it('refuses an assertion signed with an HMAC of the public key (alg confusion)', async () => {
    const { clientId, key } = await registerKeyClient(auth, operator, tenantId(), ['sender']);
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ jti: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'HS256', kid: key.kid })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(auth.issuer)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(new TextEncoder().encode(JSON.stringify(key.publicJwk)));
    expect(await tokenRequestWith(clientId, forged)).toEqual({ status: 401, error: 'invalid_client' });
    // The same request properly signed passes: the refusal above is about the algorithm.
    const signed = await new SignJWT({ jti: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(auth.issuer)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(await privateKeyOf(key));
    expect((await tokenRequestWith(clientId, signed)).status).toBe(200);
  });
});

describe('client secrets', () => {
  it('client_secret_basic and client_secret_post get tokens; the secret is stored only as a hash', async () => {
    const tenant = tenantId();
    for (const [method, authMethod] of [['basic', 2], ['post', 3]] as const) {
      const { client, clientSecret } = await callUnary(
        auth.admin.createClient.bind(auth.admin),
        { tenantId: tenant, name: `secret ${method}`, roles: ['sender'], authMethod, jwksJson: '' },
        bearer(operator),
      );
      expect(clientSecret.length).toBeGreaterThanOrEqual(40);
      const token = await getToken(await oauthClient(auth.issuer, client!.clientId, { secret: clientSecret, method }));
      expect((await verifyToken(auth.issuer, token)).payload).toMatchObject({ sub: client!.clientId, tenant_id: tenant, scope: 'sender' });
      expect(await oauthErrorOf(getToken(await oauthClient(auth.issuer, client!.clientId, { secret: `${clientSecret}x`, method })))).toBe('invalid_client');

      const [raw] = (await rawDocuments(auth.config.mongoUrl, 'clients')).filter((d) => d._id === client!.clientId);
      expect(raw).toBeDefined();
      expect(JSON.stringify(raw)).not.toContain(clientSecret);
    }
  });

  it('a new secret works beside the old one until the old ones are retired', async () => {
    const { client, clientSecret: first } = await callUnary(
      auth.admin.createClient.bind(auth.admin),
      { tenantId: tenantId(), name: 'rotating', roles: ['sender'], authMethod: 2, jwksJson: '' },
      bearer(operator),
    );
    const id = client!.clientId;
    const rotated = await callUnary(
      auth.admin.rotateClientKeys.bind(auth.admin),
      { tenantId: client!.tenantId, clientId: id, jwksJson: '', newSecret: true, retireOldSecrets: false },
      bearer(operator),
    );
    expect(rotated.client!.secretCount).toBe(2);
    const second = rotated.clientSecret;
    await getToken(await oauthClient(auth.issuer, id, { secret: first, method: 'basic' }));
    await getToken(await oauthClient(auth.issuer, id, { secret: second, method: 'basic' }));

    await callUnary(
      auth.admin.rotateClientKeys.bind(auth.admin),
      { tenantId: client!.tenantId, clientId: id, jwksJson: '', newSecret: false, retireOldSecrets: true },
      bearer(operator),
    );
    expect(await oauthErrorOf(getToken(await oauthClient(auth.issuer, id, { secret: first, method: 'basic' })))).toBe('invalid_client');
    await getToken(await oauthClient(auth.issuer, id, { secret: second, method: 'basic' }));
  });
});

describe('revocation and key rotation', () => {
  it('a disabled client gets no token', async () => {
    const tenant = tenantId();
    const { clientId, key } = await registerKeyClient(auth, operator, tenant, ['sender']);
    const client = await oauthClient(auth.issuer, clientId, { key });
    await getToken(client);

    const { client: disabled } = await callUnary(auth.admin.disableClient.bind(auth.admin), { tenantId: tenant, clientId }, bearer(operator));
    expect(disabled!.disabled).toBe(true);
    expect(await oauthErrorOf(getToken(client))).toBe('invalid_client');
  });

  it('with two keys registered both work; once the old one is removed only the new one does', async () => {
    const tenant = tenantId();
    const { clientId, key: oldKey } = await registerKeyClient(auth, operator, tenant, ['sender']);
    const newKey = await generateKeyPairJwk('RS256');
    const rotate = (keys: object[]) =>
      callUnary(
        auth.admin.rotateClientKeys.bind(auth.admin),
        { tenantId: tenant, clientId, jwksJson: JSON.stringify({ keys }), newSecret: false, retireOldSecrets: false },
        bearer(operator),
      );

    expect((await rotate([oldKey.publicJwk, newKey.publicJwk])).client!.keyIds).toEqual([oldKey.kid, newKey.kid]);
    await getToken(await oauthClient(auth.issuer, clientId, { key: oldKey }));
    await getToken(await oauthClient(auth.issuer, clientId, { key: newKey }));

    await rotate([newKey.publicJwk]);
    expect(await oauthErrorOf(getToken(await oauthClient(auth.issuer, clientId, { key: oldKey })))).toBe('invalid_client');
    await getToken(await oauthClient(auth.issuer, clientId, { key: newKey }));
  });
});

describe('discovery', () => {
  it('publishes the token endpoint and the JWKS under both well-known names', async () => {
    for (const name of ['openid-configuration', 'oauth-authorization-server']) {
      const metadata = (await (await fetch(`${auth.issuer}/.well-known/${name}`)).json()) as Record<string, unknown>;
      expect(metadata).toMatchObject({ issuer: auth.issuer, token_endpoint: `${auth.issuer}/token`, jwks_uri: `${auth.issuer}/jwks` });
    }
    const jwks = (await (await fetch(`${auth.issuer}/jwks`)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual([files.signingKeys[0]!.kid]);
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });
});
