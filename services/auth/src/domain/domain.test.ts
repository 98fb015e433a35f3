import { generateKeyPairJwk } from '@jitsuin/testkit/auth';
import { describe, expect, it } from 'vitest';
import { parseIssuer, readConfig } from '../config.js';
import { hashSecret, newTenantClient, parsePlatformClients, rotateKeys, secretMatches } from './clients.js';
import { parseClientJwks, parseSigningKeys } from './jwks.js';

const now = new Date('2026-12-07T00:00:00Z');

describe('the issuer', () => {
  it('is https, or http on a loopback host only', () => {
    expect(parseIssuer('https://auth.jitsuin.example/')).toBe('https://auth.jitsuin.example');
    expect(parseIssuer('http://127.0.0.1:8060')).toBe('http://127.0.0.1:8060');
    expect(parseIssuer('http://localhost:8060')).toBe('http://localhost:8060');
    expect(() => parseIssuer('http://auth.jitsuin.example')).toThrow(/https/);
    expect(() => parseIssuer('https://auth.jitsuin.example/?x=1')).toThrow(/query/);
    expect(() => readConfig({ AUTH_CLIENTS_FILE: 'c.json' })).toThrow(/AUTH_SIGNING_KEYS_FILE/);
    expect(readConfig({ AUTH_CLIENTS_FILE: 'c.json', AUTH_SIGNING_KEYS_FILE: 'k.json' })).toMatchObject({
      issuer: 'http://127.0.0.1:8060',
      httpPort: 8060,
      accessTokenTtlSeconds: 300,
      mongoUrl: 'mongodb://127.0.0.1:27017/jitsuin_auth',
    });
  });
});

describe('JWK sets', () => {
  it("takes a client's public keys and refuses a private one, a duplicate kid or a weak algorithm", async () => {
    const ec = await generateKeyPairJwk('ES256');
    const rsa = await generateKeyPairJwk('PS256');
    expect(parseClientJwks({ keys: [ec.publicJwk, rsa.publicJwk] }).keys.map((k) => [k.kid, k.alg])).toEqual([
      [ec.kid, 'ES256'],
      [rsa.kid, 'PS256'],
    ]);
    const { alg: _alg, ...rsaWithoutAlg } = rsa.publicJwk;
    expect(parseClientJwks({ keys: [rsaWithoutAlg] }).keys[0]).not.toHaveProperty('alg');
    expect(() => parseClientJwks({ keys: [ec.privateJwk] })).toThrow(/private key/);
    expect(() => parseClientJwks({ keys: [ec.publicJwk, ec.publicJwk] })).toThrow(/twice/);
    expect(() => parseClientJwks({ keys: [{ ...ec.publicJwk, alg: 'HS256' }] })).toThrow(/alg/);
    expect(() => parseClientJwks({ keys: [] })).toThrow(/no key/);
    expect(() => parseClientJwks([ec.publicJwk])).toThrow(/JWK set/);
  });

  it('takes private signing keys, the first signing, and publishes only their public parts', async () => {
    const a = await generateKeyPairJwk('ES256');
    const b = await generateKeyPairJwk('RS256');
    const keys = parseSigningKeys({ keys: [b.privateJwk, a.privateJwk] });
    expect(keys).toMatchObject({ signingKid: b.kid, signingAlg: 'RS256' });
    expect(keys.publicJwks.keys.map((k) => k.kid)).toEqual([b.kid, a.kid]);
    expect(keys.publicJwks.keys.some((k) => 'd' in k)).toBe(false);
    expect(() => parseSigningKeys({ keys: [a.publicJwk] })).toThrow(/not a private key/);
  });
});

describe('clients', () => {
  it('a secret client keeps only the hash of its secret; a rotation keeps the new and the previous one', () => {
    const { client, secret } = newTenantClient({ tenantId: 'bank-a', name: 'core banking', roles: ['sender'], authMethod: 'client_secret_basic' }, now);
    expect(client.secretHashes).toEqual([hashSecret(secret!)]);
    expect(JSON.stringify(client)).not.toContain(secret);
    expect(secretMatches(client.secretHashes, secret!)).toBe(true);
    expect(secretMatches(client.secretHashes, `${secret}x`)).toBe(false);

    const second = rotateKeys(client, { newSecret: true, retireOldSecrets: false }, now);
    const third = rotateKeys(second.client, { newSecret: true, retireOldSecrets: false }, now);
    expect(third.client.secretHashes).toEqual([hashSecret(third.secret!), hashSecret(second.secret!)]);
    expect(rotateKeys(third.client, { newSecret: false, retireOldSecrets: true }, now).client.secretHashes).toEqual([hashSecret(third.secret!)]);
  });

  it('a tenant client holds tenant roles only; a platform client is a known service or the operator', async () => {
    expect(() => newTenantClient({ tenantId: 'bank-a', name: 'x', roles: ['service'], authMethod: 'client_secret_post' }, now)).toThrow(/service/);
    expect(() => newTenantClient({ tenantId: 'bank-a', name: 'x', roles: [], authMethod: 'client_secret_post' }, now)).toThrow(/at least one role/);
    expect(() => newTenantClient({ tenantId: 'bank-a', name: 'x', roles: ['admin'], authMethod: 'private_key_jwt' }, now)).toThrow(/JWK set/);

    const jwks = { keys: [(await generateKeyPairJwk('ES256')).publicJwk] };
    expect(parsePlatformClients({ clients: [{ client_id: 'jitsuin-service-signing', roles: ['service'], jwks }] }, now)[0]).toMatchObject({
      roles: ['service'],
      authMethod: 'private_key_jwt',
    });
    expect(() => parsePlatformClients({ clients: [{ client_id: 'jitsuin-service-printer', roles: ['service'], jwks }] }, now)).toThrow(/service's client id/);
    expect(() => parsePlatformClients({ clients: [{ client_id: 'ops', roles: ['operator', 'admin'], jwks }] }, now)).toThrow(/one role/);
  });
});
