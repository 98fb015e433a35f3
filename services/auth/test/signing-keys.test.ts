import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dropDatabase,
  generateKeyPairJwk,
  platformToken,
  startTestAuth,
  verifyToken,
  writePlatformAuthFiles,
  type PlatformAuthFiles,
  type TestAuth,
} from './harness.js';

let files: PlatformAuthFiles;
let auth: TestAuth | undefined;
beforeAll(async () => {
  files = await writePlatformAuthFiles();
});
afterAll(async () => {
  await auth?.stop();
  if (auth) await dropDatabase(auth.config.mongoUrl);
  await files?.remove();
});

/** Restarts the service (same issuer, port and database) after the key file changed. */
async function restart(): Promise<TestAuth> {
  const previous = auth!;
  await previous.stop();
  auth = await startTestAuth(files, { httpPort: previous.config.httpPort, issuer: previous.issuer, mongoUrl: previous.config.mongoUrl });
  return auth;
}

const publishedKids = async (at: TestAuth) => ((await (await fetch(`${at.issuer}/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);

describe("rotating the platform's signing key", () => {
  it('a new key is published before it signs; tokens of the old key verify while it is still published', async () => {
    const [oldKey] = files.signingKeys;
    const newKey = await generateKeyPairJwk('RS256');
    auth = await startTestAuth(files);
    const oldToken = await platformToken(auth.issuer, files.service('document'));
    expect((await verifyToken(auth.issuer, oldToken)).kid).toBe(oldKey!.kid);

    // 1. Announce: the new key is published, the old one still signs.
    await files.writeSigningKeys([oldKey!, newKey]);
    await restart();
    expect(await publishedKids(auth)).toEqual([oldKey!.kid, newKey.kid]);
    expect((await verifyToken(auth.issuer, await platformToken(auth.issuer, files.service('document')))).kid).toBe(oldKey!.kid);

    // 2. Switch: the new key signs; the old one stays published for the tokens it signed.
    await files.writeSigningKeys([newKey, oldKey!]);
    await restart();
    const newToken = await platformToken(auth.issuer, files.service('document'));
    expect((await verifyToken(auth.issuer, newToken)).kid).toBe(newKey.kid);
    expect((await verifyToken(auth.issuer, oldToken)).payload.sub).toBe('jitsuin-service-document');

    // 3. Retire: once the old key is gone, its tokens no longer verify.
    await files.writeSigningKeys([newKey]);
    await restart();
    expect(await publishedKids(auth)).toEqual([newKey.kid]);
    await expect(verifyToken(auth.issuer, oldToken)).rejects.toThrow();
    expect((await verifyToken(auth.issuer, newToken)).kid).toBe(newKey.kid);
  });
});
