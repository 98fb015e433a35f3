import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createTestPki, DEFAULT_BASE_URL, startPkiServers } from '@jitsuin/testkit/pki';

/** `./jitsuin pki init DIR [--base-url URL]` and `./jitsuin pki serve DIR [--port N]`. */

export const PKI_USAGE = `usage: ./jitsuin pki init DIR [--base-url URL]   write a test JPKI PKI (CAs, sample cards, seals, TSA)
       ./jitsuin pki serve DIR [--port N]        serve its CRLs, OCSP and TSA on loopback
`;

const out = (line = '') => process.stdout.write(`${line}\n`);

/** A usage mistake or an expected failure: one line, no stack. */
class PkiCommandError extends Error {}

function parse(args: string[], options: Record<string, { type: 'string' }>): { dir: string; values: Record<string, string | undefined> } {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new PkiCommandError((err as Error).message);
  }
  const [dir, ...rest] = parsed.positionals;
  if (!dir) throw new PkiCommandError('missing DIR');
  if (rest.length > 0) throw new PkiCommandError(`unexpected argument '${rest[0]}'`);
  return { dir, values: parsed.values as Record<string, string | undefined> };
}

async function init(args: string[]): Promise<number> {
  const { dir, values } = parse(args, { 'base-url': { type: 'string' } });
  const pki = await createTestPki(dir, { baseUrl: values['base-url'] ?? DEFAULT_BASE_URL });
  const m = pki.manifest;
  const at = (rel: string) => join(dir, rel);
  out(`test PKI written to ${dir} in ${(pki.timing.totalMs / 1000).toFixed(1)} s (${pki.timing.keys} RSA-2048 keys, ${(pki.timing.keysMs / 1000).toFixed(1)} s of it generating them)`);
  out(`test keys only: keep ${dir} out of any repository`);
  out();
  out(`people (card directories for --card; the signing password is in each card's ${'signing-password'} file):`);
  for (const p of Object.values(m.people)) out(`  ${p.id.padEnd(15)} ${p.role.padEnd(15)} ${at(p.dir)}  (root ${p.signingCa})`);
  out();
  out('seals (PKCS#12, password in the file beside it):');
  for (const s of Object.values(m.seals)) out(`  ${s.id.padEnd(8)} ${s.role.padEnd(20)} ${at(s.p12)}`);
  out();
  out(`trust roots     ${at(m.trust.all)} (JPKI signing: ${at(m.trust.jpkiSigning)})`);
  out(`TSA             ${m.tsa.url} (policy ${m.tsa.policy})`);
  out(`OCSP            ${m.urls.ocsp}`);
  out(`CRLs            ${m.baseUrl}/crl/<ca>.crl for ${Object.keys(m.cas).join(', ')}`);
  out();
  out(`serve them with: ./jitsuin pki serve ${dir}`);
  return 0;
}

async function serve(args: string[]): Promise<number> {
  const { dir, values } = parse(args, { port: { type: 'string' } });
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new PkiCommandError(`--port must be a port number, not '${values.port}'`);
  }
  const servers = await startPkiServers(dir, port === undefined ? {} : { port });
  out(`serving the test PKI in ${dir} at ${servers.baseUrl}`);
  out(`  OCSP      ${servers.urls.ocsp}`);
  out(`  TSA       ${servers.urls.tsa}`);
  for (const [ca, url] of Object.entries(servers.urls.crl)) out(`  CRL       ${url}`.padEnd(60) + ` (${ca})`);
  out(`  controls  ${servers.urls.control}/{revoke,hold,renew,revoke-seal,advance-clock,ocsp}`);
  out('Ctrl-C to stop');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await servers.close();
  return 0;
}

export async function pki(args: string[]): Promise<number> {
  try {
    switch (args[0]) {
      case 'init':
        return await init(args.slice(1));
      case 'serve':
        return await serve(args.slice(1));
      default:
        process.stderr.write(`jitsuin pki: ${args[0] === undefined ? 'missing subcommand' : `unknown subcommand '${args[0]}'`}\n\n${PKI_USAGE}`);
        return 2;
    }
  } catch (err) {
    // Usage mistakes and the testkit's typed errors (JitsuinError carries a kind) are one line.
    if (err instanceof PkiCommandError) {
      process.stderr.write(`jitsuin pki: ${err.message}\n\n${PKI_USAGE}`);
      return 2;
    }
    if (err instanceof Error && typeof (err as { kind?: unknown }).kind === 'string') {
      process.stderr.write(`jitsuin pki: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
