import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePdf } from '@jitsuin/testkit';
import { opensslVerify, pdfsig, pyhanko, qpdfCheck } from '@jitsuin/testkit/validators';
import { CARD_FILES, createTestPki, freePort, type PkiManifest, type PkiServers, startPkiServers } from '@jitsuin/testkit/pki';

/** `./jitsuin sign` end to end: a seal from a PKCS#12, a card simulator, and one-line errors. */

const exec = promisify(execFile);
/** Each case starts the CLI a few times (about 2 s each, more when others share the 2 cores). */
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
    const { stdout, stderr } = await exec(TSX, [MAIN, ...args], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string; message?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message ?? '' };
  }
}

async function tool(cmd: string, args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await exec(cmd, args, { encoding: 'utf8', timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** One line on stderr, starting with the command's name. */
function expectOneLine(r: Result, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^jitsuin sign: /);
  expect(lines[0]).toMatch(pattern);
}

let root: string;
let pki: string;
let manifest: PkiManifest;
let servers: PkiServers;
let input: string;
let inputSha: string;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const at = (name: string) => join(root, name);
const cardDir = (id: string) => join(pki, 'people', id);
const password = (id: string) => readFile(join(cardDir(id), CARD_FILES.password), 'utf8').then((s) => s.trim());

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'jitsuin-cli-sign-'));
  const port = await freePort();
  pki = join(root, 'pki');
  manifest = (await createTestPki(pki, { baseUrl: `http://127.0.0.1:${port}` })).manifest;
  servers = await startPkiServers(pki, { port });
  input = at('contract.pdf');
  const pdf = makePdf(32 * 1024, 'Mortgage contract');
  inputSha = sha(pdf);
  await writeFile(input, pdf);
}, 180_000);

afterAll(async () => {
  await servers?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

const PARTIES = [
  { field: 'Borrower', person: 'yamada-taro', name: '山田　太郎', role: '借主（主債務者）', box: '1,40,560,240,72' },
  { field: 'CoBorrower', person: 'yamada-hanako', name: '山田　花子', role: '連帯債務者', box: '1,310,560,240,72' },
  { field: 'Guarantor', person: 'suzuki-ichiro', name: '鈴木　一郎', role: '連帯保証人', box: '1,40,460,240,72' },
] as const;

const seal = () => ({ p12: join(pki, manifest.seals.lender!.p12), password: manifest.seals.lender!.password });

describe('./jitsuin sign', () => {
  it('builds the mortgage package: the lender certifies, borrower, co-borrower and guarantor sign with cards, the bank seals at B-LTA and locks; pdfsig, qpdf, pyHanko and openssl accept it', async () => {
    const s = seal();
    const certified = at('certified.pdf');
    const r1 = await jitsuin(
      'sign', input, certified, '--p12', s.p12, '--password', s.password, '--level', 'B-T', '--tsa', servers.urls.tsa,
      '--field', 'LenderCertification', '--visible', '1,300,700,240,72', '--certify', '2', '--role', '貸主',
      ...PARTIES.flatMap((p) => ['--add-field', `${p.field}=${p.box}`]), '--add-field', 'BankSeal=1,300,460,240,72', '--lock-field', 'BankSeal',
    );
    expect(r1.code, r1.stderr).toBe(0);
    expect(r1.stdout).toMatch(/^signed .*certified\.pdf \(\d+ bytes\): B-T, certified P=2, by 架空銀行株式会社 電子契約印$/m);

    let current = certified;
    for (const p of PARTIES) {
      const next = at(`${p.field}.pdf`);
      const r = await jitsuin('sign', current, next, '--card', cardDir(p.person), '--password', await password(p.person), '--field', p.field, '--role', p.role, '--level', 'B-T', '--tsa', servers.urls.tsa);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`by ${p.name}`);
      current = next;
    }

    const final = at('final.pdf');
    const r3 = await jitsuin('sign', current, final, '--p12', s.p12, '--password', s.password, '--field', 'BankSeal', '--role', '金融機関　確認印', '--level', 'B-LTA', '--tsa', servers.urls.tsa);
    expect(r3.code, r3.stderr).toBe(0);

    const fields = ['LenderCertification', ...PARTIES.map((p) => p.field), 'BankSeal'];
    // poppler: every CAdES signature valid, the last one (the document timestamp) covering everything.
    const sig = await pdfsig(final);
    expect(sig.signatures.slice(0, -1).map((x) => [x.type, x.valid]), sig.out).toEqual(fields.map(() => ['ETSI.CAdES.detached', true]));
    expect(sig.signatures.at(-1)!.total, sig.out).toBe(true);
    const check = await qpdfCheck(final);
    expect(check.ok, check.out).toBe(true);
    // openssl: each CMS over its ByteRange content, and the document timestamp, against the test roots.
    const roots = join(pki, manifest.trust.all);
    const openssl = await opensslVerify(final, roots);
    expect(openssl.map((r) => [r.type, r.code])).toEqual([...fields.map(() => ['Sig', 0]), ['DocTimeStamp', 0]]);
    // pyHanko: trusted, B-LTA for every signature (from the DSS alone), the certification allows
    // form filling, and after the bank's locking seal only LTA updates follow.
    const py = await pyhanko(final, roots);
    expect(py.signatures.map((x) => x.field).slice(0, -1)).toEqual(fields);
    for (const x of py.signatures.slice(0, -1)) {
      expect(x.status, x.field).toMatchObject({ intact: true, valid: true, trusted: true, bottom_line: true });
      expect(x.level, JSON.stringify(x, null, 2)).toBe('B-LTA');
    }
    expect(py.signatures[0]!.docmdp).toBe('FILL_FORMS');
    expect(py.signatures[4]!.fieldmdp).toMatch(/ALL/);
    expect(py.signatures[4]!.status!.modification_level).toBe('LTA_UPDATES');
    expect(py.signatures.at(-1)!.type).toBe('DocTimeStamp');
    // The input file is never touched.
    expect(sha(await readFile(input))).toBe(inputSha);
  }, SLOW);

  it('a wrong card password: exit 1, one line with the tries left, no output; the fifth locks the card', async () => {
    const dir = cardDir('ito-sakura');
    const out = at('never.pdf');
    for (let i = 1; i <= 4; i++) {
      const r = await jitsuin('sign', input, out, '--card', dir, '--password', 'WRONG1234');
      expectOneLine(r, new RegExp(`wrong signing password: ${5 - i} tr(y|ies) left`));
    }
    expectOneLine(await jitsuin('sign', input, out, '--card', dir, '--password', 'WRONG1234'), /locked after 5 wrong tries/);
    // Locked for good: the right password no longer helps.
    expectOneLine(await jitsuin('sign', input, out, '--card', dir, '--password', await password('ito-sakura')), /locked/);
    expect(existsSync(out)).toBe(false);
    expect((await readdir(root)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  }, SLOW);

  it('a malformed password costs no try', async () => {
    expectOneLine(await jitsuin('sign', input, at('x.pdf'), '--card', cardDir('sato-misaki'), '--password', 'abc'), /6 to 16 upper-case letters/);
    const ok = await jitsuin('sign', input, at('sato.pdf'), '--card', cardDir('sato-misaki'), '--password', await password('sato-misaki'));
    expect(ok.code, ok.stderr).toBe(0);
  }, SLOW);

  it('refuses bad input with one clear line and writes nothing', async () => {
    const s = seal();
    const out = at('refused.pdf');
    expectOneLine(await jitsuin('sign', input, out, '--p12', s.p12, '--password', 'not-it'), /PKCS#12 password is wrong/);

    const encrypted = at('encrypted.pdf');
    expect((await tool('qpdf', ['--encrypt', 'u', 'o', '256', '--', input, encrypted])).code).toBe(0);
    expectOneLine(await jitsuin('sign', encrypted, out, '--p12', s.p12, '--password', s.password), /encrypted/);

    const broken = at('broken.pdf');
    await writeFile(broken, Buffer.from((await readFile(input)).toString('latin1').replace(/startxref\s+\d+/, 'startxref\n99'), 'latin1'));
    expectOneLine(await jitsuin('sign', broken, out, '--p12', s.p12, '--password', s.password), /cannot be read as a PDF/);

    expectOneLine(await jitsuin('sign', at('missing.pdf'), out, '--p12', s.p12, '--password', s.password), /does not exist/);
    expectOneLine(await jitsuin('sign', input, out, '--p12', s.p12, '--password', s.password, '--level', 'B-T', '--tsa', 'http://127.0.0.1:9/tsa'), /timestamp authority|127\.0\.0\.1:9/);
    expectOneLine(await jitsuin('sign', input, out, '--card', at('no-such-card'), '--password', 'ABC123'), /not a test card/);
    expect(existsSync(out)).toBe(false);
  }, SLOW);

  it('usage mistakes exit 2 with the usage', async () => {
    const s = seal();
    for (const args of [
      ['sign', input, at('u.pdf'), '--card', cardDir('yamada-taro')],
      ['sign', input, at('u.pdf'), '--p12', s.p12, '--password', s.password, '--level', 'B-T'],
      ['sign', input, at('u.pdf'), '--p12', s.p12, '--card', cardDir('yamada-taro'), '--password', 'X'],
      ['sign', input, at('u.pdf'), '--p12', s.p12, '--password', s.password, '--visible', '1,2,3'],
      ['sign', input],
    ]) {
      const r = await jitsuin(...args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/^jitsuin sign: .+\n\nusage: \.\/jitsuin sign/);
    }
  }, SLOW);
});
