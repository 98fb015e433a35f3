import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newEvent } from '@jitsuin/events';
import { callUnary } from '@jitsuin/rpc';
import { signedLink, type LinkKeys } from '@jitsuin/web';
import { readConfig } from '../src/config.js';
import { REPORT_LINK_PURPOSE } from '../src/http/report-links.js';
import { addRevision, contractPdf, publishEvents, signed, startWorld, upload, type World } from './harness.js';

/**
 * The report pages show signers' basic-4 facts: they open only with a signed, expiring link to
 * that tenant's revision, and every response (page, refusal, 404, error) carries the security
 * headers. Real HTTP against the service started in process, its report made by the real
 * signature.applied flow.
 */

let world: World;
let keys: LinkKeys;
let tenantId: string;
let revisionId: string;
let reportUrl: string;
let expiresAt: Date | undefined;

beforeAll(async () => {
  world = await startWorld();
  keys = world.config.reportLinkKeys!;
  tenantId = `bank-${randomUUID().slice(0, 8)}`;
  const contractId = `contract-${randomUUID().slice(0, 8)}`;
  const original = contractPdf('pages');
  const document = await upload(world, tenantId, original);
  revisionId = await addRevision(world, tenantId, document, await signed(world, original, world.card('yamada-taro'), 'B-T'));
  await publishEvents([
    newEvent({
      tenantId,
      subject: contractId,
      payload: { $case: 'signatureApplied', value: { contractId, documentId: document.id, partyId: 'borrower', revisionId, fieldName: 'Borrower', level: 2, certificateSerial: '01' } },
    }),
  ]);
  const getReport = () => callUnary(world.client.getReport.bind(world.client), { tenantId, revisionId });
  // The report is stored once the consumer has verified the revision.
  for (const until = Date.now() + 60_000; ; await new Promise((r) => setTimeout(r, 200))) {
    const answer = await getReport().catch((err: unknown) => {
      if (Date.now() > until) throw err;
      return undefined;
    });
    if (answer) {
      ({ reportUrl, reportUrlExpiresAt: expiresAt } = answer);
      break;
    }
  }
}, 240_000);

afterAll(async () => {
  await world?.close();
});

const pageUrl = (tenant: string, revision: string, token?: string, ext = 'html') =>
  `${world.service.httpUrl}/reports/${tenant}/${revision}.${ext}${token === undefined ? '' : `?token=${token}`}`;

const linkFor = async (tenant: string, revision: string, options: { keys?: LinkKeys; now?: Date; ttlMs?: number; purpose?: string } = {}) =>
  (
    await signedLink(options.keys ?? keys, {
      purpose: options.purpose ?? REPORT_LINK_PURPOSE,
      tenant,
      resource: revision,
      ttlMs: options.ttlMs ?? 15 * 60_000,
      ...(options.now ? { now: options.now } : {}),
    })
  ).token;

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The headers every response of the pages carries, whatever its status. */
function expectSecurityHeaders(res: Response) {
  const csp = res.headers.get('content-security-policy') ?? '';
  const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
  expect(directives.get('default-src')).toEqual(["'none'"]);
  expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
  expect(directives.get('base-uri')).toEqual(["'none'"]);
  expect(directives.get('form-action')).toEqual(["'none'"]);
  expect(directives.has('script-src')).toBe(false);
  expect(csp).not.toContain('unsafe-inline');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
  expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin');
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('x-powered-by')).toBeNull();
}

/** A refusal: the status, the same bilingual page whatever the reason, nothing of the report. */
async function expectRefused(res: Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/text\/html/);
  expectSecurityHeaders(res);
  const body = await res.text();
  expect(body).toContain('このリンクではページを開けません。');
  expect(body).toContain('This link cannot open the page');
  for (const secret of ['山田', revisionId, tenantId, 'signature', 'token']) expect(body).not.toContain(secret);
}

/** Every service is told who issues its callers' tokens. */
const AUTH = { AUTH_ISSUER: 'http://127.0.0.1:8060' };

describe('a signed link', () => {
  it('GetReport gives a link, valid for the configured 15 minutes, that shows the report in Japanese and English', async () => {
    expect(reportUrl.startsWith(`${world.service.httpUrl}/reports/${tenantId}/${revisionId}.html?token=`)).toBe(true);
    const minutesLeft = (expiresAt!.getTime() - Date.now()) / 60_000;
    expect(minutesLeft).toBeGreaterThan(14);
    expect(minutesLeft).toBeLessThanOrEqual(15);

    const res = await fetch(reportUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expectSecurityHeaders(res);
    const html = await res.text();
    expect(html).toContain('<section id="ja" lang="ja">');
    expect(html).toContain('<section id="en" lang="en">');
    expect(html).toContain('山田　太郎');
    expect(html).toMatch(/有効/);
    expect(html).toMatch(/VALID/);
    // The CSP allows exactly the page's own style: the page renders as styled.
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    expect(res.headers.get('content-security-policy')).toContain(`style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'`);

    const json = await fetch(reportUrl.replace('.html?', '.json?'));
    expect(json.status).toBe(200);
    expectSecurityHeaders(json);
    expect((await json.json()).signatures[0].signer.jpki.name).toBe('山田　太郎');
  });

  it('a link signed with the previous key still opens the page (key rotation)', async () => {
    const res = await fetch(pageUrl(tenantId, revisionId, await linkFor(tenantId, revisionId, { keys: { current: keys.previous! } })));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('山田　太郎');
  });

  it('a valid link to a revision without a report is a plain 404', async () => {
    const other = `revision-${randomUUID().slice(0, 8)}`;
    const res = await fetch(pageUrl(tenantId, other, await linkFor(tenantId, other)));
    expect(res.status).toBe(404);
    expectSecurityHeaders(res);
    const body = await res.text();
    expect(body).toContain('ページが見つかりません。');
    expect(body).toContain('Page not found.');
    expect(body).not.toContain(other);
  });
});

describe('refused links', () => {
  it('no token, for the page and for the JSON: 401', async () => {
    await expectRefused(await fetch(pageUrl(tenantId, revisionId)), 401);
    await expectRefused(await fetch(pageUrl(tenantId, revisionId, '')), 401);
    await expectRefused(await fetch(pageUrl(tenantId, revisionId, undefined, 'json')), 401);
  });

  it('a token signed with a key the service does not have, or changed after signing: 401', async () => {
    const foreign = await linkFor(tenantId, revisionId, { keys: { current: randomBytes(32) } });
    await expectRefused(await fetch(pageUrl(tenantId, revisionId, foreign)), 401);

    // Another revision's valid token with its payload rewritten to name this revision.
    const [header, payload, signature] = (await linkFor(tenantId, 'another-revision')).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    const rewritten = [header, b64url({ ...claims, sub: revisionId }), signature].join('.');
    await expectRefused(await fetch(pageUrl(tenantId, revisionId, rewritten)), 401);

    await expectRefused(await fetch(pageUrl(tenantId, revisionId, 'not-a-token')), 401);
  });

  it('alg none: an unsigned token with the right claims is refused', async () => {
    const [, payload] = (await linkFor(tenantId, revisionId)).split('.');
    for (const alg of ['none', 'None', 'NONE']) {
      const unsigned = `${b64url({ alg, typ: 'jitsuin-link+jwt' })}.${payload}.`;
      await expectRefused(await fetch(pageUrl(tenantId, revisionId, unsigned)), 401);
    }
  });

  it("another revision's or another tenant's valid link: 403", async () => {
    await expectRefused(await fetch(pageUrl(tenantId, revisionId, await linkFor(tenantId, 'another-revision'))), 403);
    await expectRefused(await fetch(pageUrl('another-bank', revisionId, await linkFor(tenantId, revisionId))), 403);
    await expectRefused(await fetch(pageUrl(tenantId, revisionId, await linkFor('another-bank', revisionId))), 403);
  });

  it('an expired link: 401', async () => {
    // Made 16 minutes ago with the default 15 minutes: expired a minute ago.
    const expired = await linkFor(tenantId, revisionId, { now: new Date(Date.now() - 16 * 60_000) });
    await expectRefused(await fetch(pageUrl(tenantId, revisionId, expired)), 401);
    // The same link made now opens the page: only the time differs.
    expect((await fetch(pageUrl(tenantId, revisionId, await linkFor(tenantId, revisionId)))).status).toBe(200);
  });

  it('a link signed with the right key for another kind of page: 401', async () => {
    await expectRefused(await fetch(pageUrl(tenantId, revisionId, await linkFor(tenantId, revisionId, { purpose: 'jitsuin:workspace' }))), 401);
  });
});

describe('security headers on every response', () => {
  it('a 404, a failed upload and the uploaded PDF’s report page', async () => {
    const missing = await fetch(`${world.service.httpUrl}/no/such/page`);
    expect(missing.status).toBe(404);
    expectSecurityHeaders(missing);
    expect(await missing.text()).toContain('Page not found.');

    const bad = await fetch(`${world.service.httpUrl}/verify`, { method: 'POST', body: 'garbage' });
    expect(bad.status).toBe(400);
    expectSecurityHeaders(bad);
    const badText = await bad.text();
    expect(badText).toContain('要求を処理できませんでした。');
    expect(badText).toMatch(/PDF/);

    const ok = await fetch(`${world.service.httpUrl}/verify`, { method: 'POST', body: new Uint8Array(await signed(world, contractPdf('upload'), world.card('yamada-taro'), 'B-B')) });
    expect(ok.status).toBe(200);
    expectSecurityHeaders(ok);
    expect(await ok.text()).toContain('山田　太郎');

    const health = await fetch(`${world.service.httpUrl}/health`);
    expect(health.status).toBe(200);
    expectSecurityHeaders(health);
  });
});

describe('configuration', () => {
  it('a link key shorter than 32 bytes, or a previous key alone, stops the start', () => {
    expect(() => readConfig({ ...AUTH, REPORT_LINK_KEY: 'short' })).toThrow(/REPORT_LINK_KEY must be a secret of at least 32 bytes/);
    expect(() => readConfig({ ...AUTH, REPORT_LINK_KEY: randomBytes(32).toString('base64'), REPORT_LINK_PREVIOUS_KEY: 'short' })).toThrow(/REPORT_LINK_PREVIOUS_KEY/);
    expect(() => readConfig({ ...AUTH, REPORT_LINK_PREVIOUS_KEY: randomBytes(32).toString('base64') })).toThrow(/without REPORT_LINK_KEY/);
    expect(readConfig(AUTH).reportLinkTtlMs).toBe(15 * 60_000);
    expect(readConfig({ ...AUTH, REPORT_LINK_TTL_MINUTES: '5' }).reportLinkTtlMs).toBe(5 * 60_000);
  });
});
