import { randomBytes } from 'node:crypto';
import { readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseCommandArgs, UsageError } from '../args.js';
import { Pkcs12Signer, type Signer } from '@jitsuin/pades';
import { writeParts } from '@jitsuin/pdf';
import { type FieldSpec, LEVELS, type PadesLevel, type Rect, signerDisplayName, signWith } from '@jitsuin/signer';
import { CardSimulator } from '@jitsuin/testkit/pki';

/**
 * `./jitsuin sign IN.pdf OUT.pdf --p12 FILE --password P ...` (a seal) and
 * `./jitsuin sign IN.pdf OUT.pdf --card DIR/people/NAME --password P ...` (a test card).
 */

export const SIGN_USAGE = `usage: ./jitsuin sign IN.pdf OUT.pdf (--p12 FILE | --card DIR/people/NAME) --password P
         [--level B-B|B-T|B-LT|B-LTA] [--tsa URL] [--visible PAGE,X,Y,W,H] [--field NAME]
         [--role LABEL] [--certify 1|2|3] [--lock] [--add-field NAME[=PAGE,X,Y,W,H]]... [--lock-field NAME]

  --p12 FILE        sign with a seal from a PKCS#12 file (the lender's organisational certificate)
  --card DIR        sign with a test PKI's card simulator (./jitsuin pki init); the password is the
                    card's signing password (6-16 A-Z/0-9; 5 wrong tries lock the card)
  --level L         PAdES level (default B-B; B-T and above need --tsa)
  --tsa URL         RFC 3161 timestamp authority (e.g. the URL ./jitsuin pki serve prints)
  --visible P,X,Y,W,H  a visible signature on page P at X,Y (points from the lower left), W x H
  --field NAME      the field to sign: an empty field of the document, or the name of a new one
  --role LABEL      shown under the signer's name (e.g. 借主)
  --certify P       certify the document (first signature only; 2 = form filling and signing allowed)
  --lock            lock the document with this signature (afterwards only DSS and timestamps)
  --add-field SPEC  create an empty field for a later signer (with --certify); repeatable
  --lock-field NAME the added field whose signature will lock the document (the final seal)
`;

const out = (line = '') => process.stdout.write(`${line}\n`);

/** An expected failure the person can act on: one line, exit 1. */
class SignCommandError extends Error {}

function parseNumbers(value: string, count: number, what: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  const nums = parts.map(Number);
  if (parts.length !== count || parts.some((p) => p === '') || nums.some((n) => !Number.isFinite(n))) {
    throw new UsageError(`${what} takes ${count} comma-separated numbers, not '${value}'`);
  }
  return nums;
}

function parseVisible(value: string, what: string): { page: number; rect: Rect } {
  const [page, x, y, width, height] = parseNumbers(value, 5, what) as [number, number, number, number, number];
  if (!Number.isInteger(page) || page < 1) throw new UsageError(`${what}: the page is a number from 1`);
  if (!(width > 0 && height > 0)) throw new UsageError(`${what}: width and height must be positive`);
  return { page, rect: { x, y, width, height } };
}

function parseAddField(value: string): FieldSpec {
  const at = value.indexOf('=');
  const fieldName = at < 0 ? value : value.slice(0, at);
  if (!fieldName) throw new UsageError(`--add-field needs a field name, not '${value}'`);
  return at < 0 ? { fieldName } : { fieldName, ...parseVisible(value.slice(at + 1), `--add-field ${fieldName}`) };
}

interface SignArgs {
  input: string;
  output: string;
  p12?: string;
  card?: string;
  password: string;
  level: PadesLevel;
  tsa?: string;
  visible?: { page: number; rect: Rect };
  field?: string;
  role?: string;
  certify?: 1 | 2 | 3;
  lock: boolean;
  addFields: FieldSpec[];
}

function parse(args: string[]): SignArgs {
  const parsed = parseCommandArgs(args, {
    p12: { type: 'string' },
    card: { type: 'string' },
    password: { type: 'string' },
    level: { type: 'string' },
    tsa: { type: 'string' },
    visible: { type: 'string' },
    field: { type: 'string' },
    role: { type: 'string' },
    certify: { type: 'string' },
    lock: { type: 'boolean' },
    'add-field': { type: 'string', multiple: true },
    'lock-field': { type: 'string' },
  });
  const v = parsed.values;
  const [input, output, ...rest] = parsed.positionals;
  if (!input || !output) throw new UsageError('missing IN.pdf and OUT.pdf');
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
  if (!v.p12 === !v.card) throw new UsageError('give either --p12 FILE (a seal) or --card DIR (a card), not both or neither');
  if (v.password === undefined) {
    throw new UsageError(v.card ? '--password is needed: the card holder types the signing password' : '--password is needed for the PKCS#12 file');
  }
  const level = (v.level ?? 'B-B') as PadesLevel;
  if (!LEVELS.includes(level)) throw new UsageError(`--level must be one of ${LEVELS.join(', ')}, not '${v.level}'`);
  if (level !== 'B-B' && !v.tsa) throw new UsageError(`--level ${level} needs a timestamp authority: add --tsa URL`);
  let certify: 1 | 2 | 3 | undefined;
  if (v.certify !== undefined) {
    if (!['1', '2', '3'].includes(v.certify)) throw new UsageError(`--certify takes 1, 2 or 3 (the DocMDP level), not '${v.certify}'`);
    certify = Number(v.certify) as 1 | 2 | 3;
  }
  const addFields = (v['add-field'] ?? []).map(parseAddField);
  if (v['lock-field'] !== undefined) {
    const f = addFields.find((a) => a.fieldName === v['lock-field']);
    if (!f) throw new UsageError(`--lock-field ${v['lock-field']} is not one of the --add-field names`);
    f.lock = true;
  }
  return {
    input,
    output,
    ...(v.p12 ? { p12: v.p12 } : {}),
    ...(v.card ? { card: v.card } : {}),
    password: v.password,
    level,
    ...(v.tsa ? { tsa: v.tsa } : {}),
    ...(v.visible ? { visible: parseVisible(v.visible, '--visible') } : {}),
    ...(v.field ? { field: v.field } : {}),
    ...(v.role ? { role: v.role } : {}),
    ...(certify ? { certify } : {}),
    lock: v.lock ?? false,
    addFields,
  };
}

async function readInput(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SignCommandError(
      code === 'ENOENT' ? `${what} ${path} does not exist` : code === 'EISDIR' ? `${what} ${path} is a directory` : `cannot read ${what} ${path}: ${(err as Error).message}`,
    );
  }
}

async function openSigner(a: SignArgs): Promise<Signer> {
  if (a.p12) return Pkcs12Signer.open(await readInput(a.p12, 'the PKCS#12 file'), a.password);
  const card = CardSimulator.open(a.card!);
  const password = a.password;
  return { certificate: card.signingCertificate(), chain: [card.issuerCertificate()], sign: (digestInfo: Buffer) => card.sign(digestInfo, password) };
}

/** Writes beside the target and renames, so a failure leaves no partial OUT.pdf. */
async function writeAtomically(path: string, parts: Buffer[]): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeParts(temp, parts);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw new SignCommandError(`cannot write ${path}: ${(err as Error).message}`);
  }
}

async function sign(args: string[]): Promise<number> {
  const a = parse(args);
  const pdf = await readInput(a.input, 'the PDF');
  const signer = await openSigner(a);
  const { parts } = await signWith(pdf, signer, {
    placement: {
      ...(a.field ? { fieldName: a.field } : {}),
      ...(a.visible ?? {}),
      ...(a.role ? { roleLabel: a.role } : {}),
    },
    level: a.level,
    ...(a.tsa ? { tsaUrl: a.tsa } : {}),
    ...(a.certify ? { certify: a.certify } : {}),
    ...(a.lock ? { lock: true } : {}),
    ...(a.addFields.length ? { addFields: a.addFields } : {}),
  });
  await writeAtomically(a.output, parts);
  const size = parts.reduce((n, p) => n + p.length, 0);
  out(`signed ${a.output} (${size} bytes): ${a.level}${a.certify ? `, certified P=${a.certify}` : ''}${a.lock ? ', locked' : ''}, by ${signerDisplayName(signer.certificate)}`);
  return 0;
}

export async function signCommand(args: string[]): Promise<number> {
  try {
    return await sign(args);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`jitsuin sign: ${err.message}\n\n${SIGN_USAGE}`);
      return 2;
    }
    // Our own expected failures and every typed error (JitsuinError and its kinds: PDF, PKCS#12,
    // card, TSA, revocation) are one line; anything else is a bug and keeps its stack.
    if (err instanceof SignCommandError || (err instanceof Error && typeof (err as { kind?: unknown }).kind === 'string')) {
      process.stderr.write(`jitsuin sign: ${oneLine((err as Error).message)}\n`);
      return 1;
    }
    throw err;
  }
}

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ');
