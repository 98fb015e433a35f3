import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dropDatabase,
  getToken,
  oauth,
  oauthClient,
  platformToken,
  registerKeyClient,
  startTestAuth,
  tenantId,
  writePlatformAuthFiles,
  type PlatformAuthFiles,
  type TestAuth,
} from './harness.js';

// Two replicas behind one issuer, on one database: an assertion used at one is used at both.
let files: PlatformAuthFiles;
let a: TestAuth;
let b: TestAuth;
let client: { clientId: string; config: Awaited<ReturnType<typeof oauthClient>> };
beforeAll(async () => {
  files = await writePlatformAuthFiles();
  a = await startTestAuth(files);
  b = await startTestAuth(files, { issuer: a.issuer, mongoUrl: a.config.mongoUrl });
  const registered = await registerKeyClient(a, await platformToken(a.issuer, files.operator), tenantId(), ['sender']);
  client = { clientId: registered.clientId, config: await oauthClient(a.issuer, registered.clientId, { key: registered.key }) };
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  if (a) await dropDatabase(a.config.mongoUrl);
  await files?.remove();
});

/** The body of the token request the client sends next, captured as it goes out (an eavesdropper's copy). */
async function capturedTokenRequest(): Promise<string> {
  let body = '';
  client.config[oauth.customFetch] = (url, options) => {
    body = String(options.body);
    return fetch(url, options as RequestInit);
  };
  try {
    await getToken(client.config);
  } finally {
    delete client.config[oauth.customFetch];
  }
  return body;
}

async function replay(at: TestAuth, body: string): Promise<{ status: number; error?: string }> {
  const response = await fetch(`${at.service.httpUrl}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const json = (await response.json()) as { error?: string; access_token?: string };
  return { status: response.status, ...(json.error ? { error: json.error } : {}) };
}

describe('replayed client assertions', () => {
  it('refuses an assertion the second time, at the same replica', async () => {
    const body = await capturedTokenRequest();
    expect(new URLSearchParams(body).get('client_assertion')).toMatch(/^ey/);
    expect(await replay(a, body)).toEqual({ status: 401, error: 'invalid_client' });
  });

  it('refuses an assertion the second time at another replica on the same database', async () => {
    const body = await capturedTokenRequest();
    expect(await replay(b, body)).toEqual({ status: 401, error: 'invalid_client' });
  });

  it('of one assertion sent to both replicas at once, exactly one gets a token', async () => {
    // A fresh assertion that was never used: capture one without letting it reach the server.
    let body = '';
    client.config[oauth.customFetch] = async (_url, options) => {
      body = String(options.body);
      return new Response(JSON.stringify({ error: 'temporarily_unavailable' }), { status: 503, headers: { 'content-type': 'application/json' } });
    };
    await getToken(client.config).catch(() => undefined);
    delete client.config[oauth.customFetch];

    const results = await Promise.all([replay(a, body), replay(b, body), replay(a, body), replay(b, body)]);
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.error === 'invalid_client')).toHaveLength(3);
  });

  it('still refuses it after a restart', async () => {
    const body = await capturedTokenRequest();
    await b.stop();
    b = await startTestAuth(files, { issuer: a.issuer, mongoUrl: a.config.mongoUrl });
    expect(await replay(b, body)).toEqual({ status: 401, error: 'invalid_client' });
  });
});
