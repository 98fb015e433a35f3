import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  callUnary,
  dropDatabase,
  generateKeyPairJwk,
  getToken,
  oauthClient,
  platformToken,
  registerKeyClient,
  startTestAuth,
  statusOf,
  tenantId,
  writePlatformAuthFiles,
  type PlatformAuthFiles,
  type TestAuth,
} from './harness.js';

let files: PlatformAuthFiles;
let auth: TestAuth;
let operator: string;
// Tenant A's admin, tenant A's sender, tenant B's admin (tokens of clients the operator registered).
const bankA = tenantId();
const bankB = tenantId();
let adminA: string;
let senderA: string;
let adminB: string;

async function tokenOf(tenant: string, roles: string[]): Promise<string> {
  const { clientId, key } = await registerKeyClient(auth, operator, tenant, roles);
  return getToken(await oauthClient(auth.issuer, clientId, { key }));
}

beforeAll(async () => {
  files = await writePlatformAuthFiles();
  auth = await startTestAuth(files);
  operator = await platformToken(auth.issuer, files.operator);
  [adminA, senderA, adminB] = await Promise.all([tokenOf(bankA, ['admin']), tokenOf(bankA, ['sender']), tokenOf(bankB, ['admin'])]);
});
afterAll(async () => {
  await auth?.stop();
  if (auth) await dropDatabase(auth.config.mongoUrl);
  await files?.remove();
});

const list = (token: string | undefined, tenant = '') =>
  callUnary(auth.admin.listClients.bind(auth.admin), { tenantId: tenant }, token ? bearer(token) : {});
const createSecretClient = (token: string, tenant = '', roles = ['sender']) =>
  callUnary(auth.admin.createClient.bind(auth.admin), { tenantId: tenant, name: 'batch job', roles, authMethod: 3, jwksJson: '' }, bearer(token));

describe('the admin API: who is calling', () => {
  it('answers UNAUTHENTICATED without a token, with a malformed one, and with one of another issuer', async () => {
    expect((await statusOf(list(undefined))).code).toBe(status.UNAUTHENTICATED);
    expect((await statusOf(list('not-a-jwt'))).code).toBe(status.UNAUTHENTICATED);

    const otherFiles = await writePlatformAuthFiles();
    const other = await startTestAuth(otherFiles);
    try {
      const foreign = await platformToken(other.issuer, otherFiles.operator);
      const refused = await statusOf(list(foreign, bankA));
      expect(refused.code).toBe(status.UNAUTHENTICATED);
      expect(refused.details).toMatch(/signing key the platform does not publish/);
    } finally {
      await other.stop();
      await dropDatabase(other.config.mongoUrl);
      await otherFiles.remove();
    }
  });

  it("answers PERMISSION_DENIED to a tenant's sender and to a platform service", async () => {
    expect((await statusOf(list(senderA))).code).toBe(status.PERMISSION_DENIED);
    expect((await statusOf(createSecretClient(senderA))).code).toBe(status.PERMISSION_DENIED);
    const service = await platformToken(auth.issuer, files.service('gateway'));
    expect((await statusOf(list(service, bankA))).code).toBe(status.PERMISSION_DENIED);
  });
});

describe("the admin API: a tenant's admin", () => {
  it('creates and lists clients of its own tenant only, whatever tenant the request names', async () => {
    const { client } = await createSecretClient(adminA, bankB);
    expect(client!.tenantId).toBe(bankA);
    const mine = (await list(adminA, bankB)).clients;
    expect(mine.map((c) => c.clientId)).toContain(client!.clientId);
    expect(new Set(mine.map((c) => c.tenantId))).toEqual(new Set([bankA]));
    expect((await list(adminB)).clients.map((c) => c.clientId)).not.toContain(client!.clientId);
  });

  it("answers NOT_FOUND for another tenant's client and leaves it as it was", async () => {
    const { client } = await createSecretClient(adminA);
    const id = client!.clientId;
    const disable = await statusOf(callUnary(auth.admin.disableClient.bind(auth.admin), { tenantId: bankA, clientId: id }, bearer(adminB)));
    expect(disable.code).toBe(status.NOT_FOUND);
    const rotate = await statusOf(
      callUnary(auth.admin.rotateClientKeys.bind(auth.admin), { tenantId: bankA, clientId: id, jwksJson: '', newSecret: true, retireOldSecrets: false }, bearer(adminB)),
    );
    expect(rotate.code).toBe(status.NOT_FOUND);
    const [stored] = (await list(adminA)).clients.filter((c) => c.clientId === id);
    expect(stored).toMatchObject({ disabled: false, secretCount: 1 });
    // The platform's own clients are not managed here either.
    const platform = await statusOf(callUnary(auth.admin.disableClient.bind(auth.admin), { tenantId: bankA, clientId: files.operator.clientId }, bearer(adminA)));
    expect(platform.code).toBe(status.NOT_FOUND);
  });

  it('cannot give a client a platform role, nor register a private key', async () => {
    const role = await statusOf(createSecretClient(adminA, '', ['operator']));
    expect(role.code).toBe(status.INVALID_ARGUMENT);
    expect(role.details).toMatch(/operator/);

    const key = await generateKeyPairJwk('ES256');
    const privateKey = await statusOf(
      callUnary(
        auth.admin.createClient.bind(auth.admin),
        { tenantId: '', name: 'leaky', roles: ['sender'], authMethod: 1, jwksJson: JSON.stringify({ keys: [key.privateJwk] }) },
        bearer(adminA),
      ),
    );
    expect(privateKey.code).toBe(status.INVALID_ARGUMENT);
    expect(privateKey.details).toMatch(/private key/);
    expect((await list(adminA)).clients.map((c) => c.name)).not.toContain('leaky');
  });
});

describe('the admin API: the operator', () => {
  it('manages the tenant it names, and must name one', async () => {
    expect((await statusOf(list(operator))).code).toBe(status.INVALID_ARGUMENT);
    const { client } = await createSecretClient(operator, bankB);
    expect(client!.tenantId).toBe(bankB);
    expect((await list(operator, bankB)).clients.map((c) => c.clientId)).toContain(client!.clientId);
    const { client: disabled } = await callUnary(auth.admin.disableClient.bind(auth.admin), { tenantId: bankB, clientId: client!.clientId }, bearer(operator));
    expect(disabled!.disabled).toBe(true);
  });
});
