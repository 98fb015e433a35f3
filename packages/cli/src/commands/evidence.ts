import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseAt, parseCommandArgs, readTrust, UsageError } from '../args.js';
import { readFile } from 'node:fs/promises';
import { credentials, Metadata } from '@grpc/grpc-js';
import { bearerInterceptor, clientCredentialsTokens, type TokenSource } from '@jitsuin/auth';
import { checkEvidence, type EvidenceResult, UnusableEvidenceError } from '@jitsuin/evidence';
import { DocumentServiceClient, type ExportEvidenceResponse } from '@jitsuin/proto/document/v1/document';
import { terminalSafe } from '@jitsuin/verify';

/**
 * `./jitsuin evidence verify FILE.zip [--trust PEM_FILE_OR_DIR]...`: checks an evidence package
 * offline (@jitsuin/evidence checkEvidence) and prints one line per check. Exit 0 when every
 * check passed, 1 when one failed (a changed, missing or added file, a broken chain, a seal or
 * signature that does not verify or is not trusted), 2 for input that is not an evidence package.
 *
 * `./jitsuin evidence export CONTRACT_ID --tenant T [--out FILE]`: asks the document service for
 * a contract's evidence package and writes it.
 */

export const EVIDENCE_USAGE = `usage: ./jitsuin evidence verify FILE.zip [--trust PEM_FILE_OR_DIR]... [--allow-test-jpki] [--at ISO-8601] [--json]
       ./jitsuin evidence export CONTRACT_ID --tenant TENANT --client-id ID --key JWK_FILE [--issuer URL] [--out FILE.zip] [--address HOST:PORT]

verify   checks an evidence package offline, trusting nothing in it: every file against the
         manifest, the platform's seal on the manifest, the event log's hash chain, revisions.json
         against the final PDFs, every PDF's signatures again from its own DSS, the reports
  --trust P          trust anchors: a PEM file, or a directory of *.pem/*.crt/*.cer files; repeatable
                     (the JPKI roots, the platform's and lenders' seal CAs, the TSA's CA)
  --allow-test-jpki  accept certificates of the JPKI test hierarchy (./jitsuin pki init)
  --at TIME          verify the PDFs as at this ISO-8601 time instead of now
  --json             print the checks as JSON
  exit status: 0 every check passed; 1 a check failed; 2 not an evidence package, or a usage mistake

export   writes a contract's evidence package from the document service (default
         DOCUMENT_SERVICE_ADDRESS or 127.0.0.1:50051) to FILE.zip (default evidence-CONTRACT_ID.zip),
         as the tenant's API client (an auditor's or sender's): its id and private JWK sign the
         token request (private_key_jwt) at the issuer (default AUTH_ISSUER or http://127.0.0.1:8060)
`;



const LABEL = { ok: 'ok  ', fail: 'FAIL', warn: 'warn' } as const;

export function renderEvidenceResult(result: EvidenceResult): string {
  const lines = result.checks.map((c) => `${LABEL[c.status]}  ${terminalSafe(c.subject)}: ${terminalSafe(c.message)}`);
  const failed = result.checks.filter((c) => c.status === 'fail').length;
  lines.push(
    failed === 0
      ? `evidence verified: all ${result.checks.length} checks passed`
      : `evidence NOT verified: ${failed} of ${result.checks.length} checks failed`,
  );
  return `${lines.join('\n')}\n`;
}

async function verify(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, {
    trust: { type: 'string', multiple: true },
    'allow-test-jpki': { type: 'boolean' },
    at: { type: 'string' },
    json: { type: 'boolean' },
  });
  const [file, ...rest] = parsed.positionals;
  if (!file) throw new UsageError('missing FILE.zip');
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
  const at = parseAt(parsed.values.at);
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new UsageError(`${file} is not a file`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${file} cannot be read (${(err as Error).message})`);
  }
  const trustAnchors = await readTrust(parsed.values.trust ?? []);
  let result: EvidenceResult;
  try {
    result = await checkEvidence(file, { trustAnchors, allowJpkiTestHierarchy: parsed.values['allow-test-jpki'] ?? false, ...(at ? { at } : {}) });
  } catch (err) {
    if (err instanceof UnusableEvidenceError) throw new UsageError(`${file}: ${err.message}`);
    throw err;
  }
  process.stdout.write(parsed.values.json ? `${JSON.stringify({ ok: result.ok, checks: result.checks }, null, 2)}\n` : renderEvidenceResult(result));
  return result.ok ? 0 : 1;
}

/**
 * Writes a contract's evidence package from the document service to `out` (through a temporary
 * file, renamed when complete). Returns the path and the manifest's SHA-256.
 */
export async function exportEvidenceToFile(
  address: string,
  tokens: TokenSource,
  request: { tenantId: string; contractId: string },
  out?: string,
  timeoutMs = 300_000,
): Promise<{ path: string; bytes: number; manifestSha256: string }> {
  const client = new DocumentServiceClient(address, credentials.createInsecure(), { interceptors: [bearerInterceptor(tokens)] });
  const call = client.exportEvidence(request, new Metadata(), { deadline: Date.now() + timeoutMs });
  let path = out ? resolve(out) : '';
  let manifestSha256 = '';
  let bytes = 0;
  let partial = '';
  try {
    const iterator = (call as AsyncIterable<ExportEvidenceResponse>)[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (first.done) throw new Error('the document service sent no evidence package');
    path ||= resolve(first.value.filename || `evidence-${request.contractId}.zip`);
    manifestSha256 = first.value.manifestSha256;
    partial = `${path}.partial`;
    async function* chunks() {
      yield first.value!.chunk;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value.chunk;
    }
    await pipeline(
      async function* () {
        for await (const chunk of chunks()) {
          bytes += chunk.length;
          yield chunk;
        }
      },
      createWriteStream(partial),
    );
    await rename(partial, path);
    return { path, bytes, manifestSha256 };
  } catch (err) {
    call.cancel();
    if (partial) await rm(partial, { force: true });
    throw err;
  } finally {
    client.close();
  }
}

async function exportCommand(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, {
    tenant: { type: 'string' },
    out: { type: 'string' },
    address: { type: 'string' },
    'client-id': { type: 'string' },
    key: { type: 'string' },
    issuer: { type: 'string' },
  });
  const [contractId, ...rest] = parsed.positionals;
  if (!contractId) throw new UsageError('missing CONTRACT_ID');
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
  if (!parsed.values.tenant) throw new UsageError('--tenant is required');
  const clientId = parsed.values['client-id'];
  if (!clientId || !parsed.values.key) throw new UsageError('--client-id and --key (the API client\'s private JWK file) are required');
  const address = parsed.values.address ?? process.env.DOCUMENT_SERVICE_ADDRESS ?? '127.0.0.1:50051';
  const issuer = parsed.values.issuer ?? process.env.AUTH_ISSUER ?? 'http://127.0.0.1:8060';
  try {
    const privateKey = JSON.parse(await readFile(parsed.values.key, 'utf8'));
    const tokens = clientCredentialsTokens({ issuer: new URL(issuer), clientId, privateKey });
    const written = await exportEvidenceToFile(address, tokens, { tenantId: parsed.values.tenant, contractId }, parsed.values.out);
    process.stdout.write(`${written.path}\n`);
    process.stderr.write(`evidence package of contract ${contractId}: ${written.bytes} bytes, manifest SHA-256 ${written.manifestSha256}\n`);
    return 0;
  } catch (err) {
    const details = (err as { details?: string }).details;
    process.stderr.write(`jitsuin evidence export: ${oneLine(details || (err as Error).message)}\n`);
    return 1;
  }
}

export async function evidenceCommand(args: string[]): Promise<number> {
  try {
    switch (args[0]) {
      case 'verify':
        return await verify(args.slice(1));
      case 'export':
        return await exportCommand(args.slice(1));
      case undefined:
      case 'help':
      case '--help':
        process.stdout.write(EVIDENCE_USAGE);
        return args[0] === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown evidence command '${args[0]}'`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      const usage = /^(missing|unexpected|unknown|--tenant|Unknown option|Option)/.test(err.message) ? `\n${EVIDENCE_USAGE}` : '';
      process.stderr.write(`jitsuin evidence: ${oneLine(err.message)}\n${usage}`);
      return 2;
    }
    throw err;
  }
}

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ');
