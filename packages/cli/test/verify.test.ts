import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWith } from '@jitsuin/signer';
import { makePdf } from '@jitsuin/testkit';
import { CARD_FILES, CardSimulator, createTestPki, freePort, type PkiManifest, type PkiServers, startPkiServers } from '@jitsuin/testkit/pki';
import { verifyPdf } from '@jitsuin/verify';

/** `./jitsuin verify` end to end: exit statuses, text and JSON, trust, offline, as at a time, one-line errors. */

const exec = promisify(execFile);
const SLOW = 300_000;
const REPO = resolve(import.meta.dirname, '../../..');
const TSX = join(REPO, 'node_modules/.bin/tsx');
const MAIN = join(REPO, 'packages/cli/src/main.ts');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function jitsuin(...args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await exec(TSX, [MAIN, 'verify', ...args], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string; message?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message ?? '' };
  }
}

/** Exit 2 with one line on stderr starting with the command's name (the usage may follow a usage mistake). */
function expectRefused(r: Result, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  const first = r.stderr.split('\n')[0]!;
  expect(first).toMatch(/^jitsuin verify: /);
  expect(first).toMatch(pattern);
  expect(r.stdout).toBe('');
}

let root: string;
let servers: PkiServers;
let manifest: PkiManifest;
let trust: string;
const at = (name: string) => join(root, name);
const files = { bt: '', blt: '', tampered: '', garbage: '' };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'jitsuin-cli-verify-'));
  const port = await freePort();
  const pkiDir = join(root, 'pki');
  manifest = (await createTestPki(pkiDir, { baseUrl: `http://127.0.0.1:${port}` })).manifest;
  servers = await startPkiServers(pkiDir, { port });
  trust = join(pkiDir, manifest.trust.all);
  const dir = join(pkiDir, 'people', 'yamada-taro');
  const card = CardSimulator.open(dir);
  const password = (await readFile(join(dir, CARD_FILES.password), 'utf8')).trim();
  const signer = { certificate: card.signingCertificate(), chain: [card.issuerCertificate()], sign: (d: Buffer) => card.sign(d, password) };
  const sign = async (label: string, level: 'B-T' | 'B-LT') =>
    Buffer.concat((await signWith(makePdf(16 * 1024, `Jitsuin ${label}`), signer, { placement: { fieldName: 'Borrower' }, level, tsaUrl: servers.urls.tsa })).parts);
  const bt = await sign('B-T', 'B-T');
  const tampered = Buffer.from(bt);
  const i = tampered.indexOf('Jitsuin B-T');
  tampered[i] = tampered[i]! ^ 0x01;
  const write = async (name: keyof typeof files, bytes: Buffer | string) => {
    files[name] = at(`${name}.pdf`);
    await writeFile(files[name], bytes);
  };
  await write('bt', bt);
  await write('blt', await sign('B-LT', 'B-LT'));
  await write('tampered', tampered);
  await write('garbage', 'this is not a PDF\n');
}, 180_000);

afterAll(async () => {
  await servers?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('./jitsuin verify', () => {
  it('a valid card signature: exit 0, the text report in Japanese and English (default), or one of them', async () => {
    const both = await jitsuin(files.bt, '--trust', trust, '--allow-test-jpki');
    expect(both.code, both.stderr).toBe(0);
    expect(both.stdout).toMatch(/✓ 有効: この文書の署名（1件）はすべて有効です。/);
    expect(both.stdout).toMatch(/✓ VALID: /);
    expect(both.stdout).toMatch(/署名者 \/ Signed by:\n\s+山田　太郎/);
    expect(both.stdout).toContain('署名用電子証明書は有効です');
    const ja = await jitsuin(files.bt, '--trust', trust, '--allow-test-jpki', '--lang', 'ja');
    expect(ja.code, ja.stderr).toBe(0);
    expect(ja.stdout).toMatch(/^電子署名の検証結果\n/);
    expect(ja.stdout).not.toMatch(/VALID/);
    const en = await jitsuin(files.bt, '--trust', trust, '--allow-test-jpki', '--lang', 'en');
    expect(en.code, en.stderr).toBe(0);
    expect(en.stdout).toMatch(/^Signature verification report\n/);
    expect(en.stdout).toMatch(/Signed by: 山田　太郎/);
    expect(en.stdout).toMatch(/checked with the OCSP responder/);
  }, SLOW);

  it('--json prints the library report; a directory works as --trust', async () => {
    const r = await jitsuin(files.blt, '--trust', join(root, 'pki', 'trust'), '--allow-test-jpki', '--json');
    expect(r.code, r.stderr).toBe(0);
    const cli = JSON.parse(r.stdout);
    const library = JSON.parse(JSON.stringify(await verifyPdf(files.blt, { trustAnchors: [await readFile(trust, 'utf8')], allowJpkiTestHierarchy: true })));
    for (const report of [cli, library]) for (const s of report.signatures) delete s.revocation.checkedAt;
    expect(cli).toEqual(library);
    expect(cli.signatures[0]).toMatchObject({ level: 'B-LT', indication: 'TOTAL_PASSED' });
  }, SLOW);

  it('--offline uses the embedded revocation data; --at before the signature is not a pass', async () => {
    const offline = await jitsuin(files.blt, '--trust', trust, '--allow-test-jpki', '--offline', '--json');
    expect(offline.code, offline.stderr).toBe(0);
    expect(JSON.parse(offline.stdout).signatures[0].revocation).toMatchObject({ status: 'GOOD', source: 'DSS' });
    const before = await jitsuin(files.bt, '--trust', trust, '--allow-test-jpki', '--at', '2001-01-01T00:00:00Z');
    expect(before.code).toBe(1);
  }, SLOW);

  it('tampered: exit 1, TOTAL_FAILED; without trust anchors: exit 1, INDETERMINATE', async () => {
    const tampered = await jitsuin(files.tampered, '--trust', trust, '--allow-test-jpki', '--lang', 'en');
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toMatch(/✗ NOT VALID: /);
    expect(tampered.stdout).toMatch(/\(HASH_FAILURE\)/);
    const untrusted = await jitsuin(files.bt, '--json');
    expect(untrusted.code).toBe(1);
    expect(JSON.parse(untrusted.stdout).document).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND' });
  }, SLOW);

  it('unusable input and usage mistakes: exit 2, one line', async () => {
    expectRefused(await jitsuin(files.garbage), /PDF/);
    expectRefused(await jitsuin(at('missing.pdf')), /missing\.pdf/);
    expectRefused(await jitsuin(), /missing FILE\.pdf/);
    expectRefused(await jitsuin(files.bt, '--lang', 'fr'), /--lang takes ja, en or both/);
    expectRefused(await jitsuin(files.bt, '--at', 'yesterday'), /--at takes an ISO-8601 time/);
    expectRefused(await jitsuin(files.bt, '--trust', at('nowhere.pem')), /--trust .*nowhere\.pem does not exist/);
    expectRefused(await jitsuin(files.bt, '--trust', files.garbage), /holds no PEM CERTIFICATE block/);
  }, SLOW);
});
