import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type SignatureReport, type VerificationReport, verifyPdf, VerifyInputError } from '@jitsuin/verify';
import { revocationMeaning, type RevocationMeaningCode } from '@jitsuin/jpki';

/**
 * `./jitsuin verify FILE.pdf [--trust PEM_FILE_OR_DIR]... [--json] [--offline] [--at ISO-8601] [--lang ja|en]`:
 * the library in this process (no service needed). Exit 0 only for TOTAL_PASSED; 1 for
 * INDETERMINATE, TOTAL_FAILED or NO_SIGNATURE_FOUND; 2 for unusable input or a usage mistake.
 */

export const VERIFY_USAGE = `usage: ./jitsuin verify FILE.pdf [--trust PEM_FILE_OR_DIR]... [--json] [--offline] [--at ISO-8601]
         [--lang ja|en] [--allow-test-jpki]

  --trust P          trust anchors: a PEM file, or a directory of *.pem/*.crt/*.cer files; repeatable
                     (the JPKI roots of every generation, the lender's seal CA, the TSA's CA).
                     Without it no chain can be built and every signature is INDETERMINATE.
  --json             print the report as JSON (the same as the library and the service give)
  --offline          use only the revocation data the PDF embeds (its DSS); ask no responder
  --at TIME          validate as at this ISO-8601 time instead of now
  --lang ja|en       language of the text report (default ja)
  --allow-test-jpki  accept certificates of the JPKI test hierarchy (./jitsuin pki init)

exit status: 0 every signature passed (TOTAL_PASSED); 1 INDETERMINATE, TOTAL_FAILED or no
signature; 2 the file cannot be verified at all, or a usage mistake
`;

/** A usage mistake or an unusable input: one line, exit 2. */
class UsageError extends Error {}

interface VerifyArgs {
  file: string;
  trust: string[];
  json: boolean;
  offline: boolean;
  at?: Date;
  lang: 'ja' | 'en';
  allowTestJpki: boolean;
}

function parse(args: string[]): VerifyArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        trust: { type: 'string', multiple: true },
        json: { type: 'boolean' },
        offline: { type: 'boolean' },
        at: { type: 'string' },
        lang: { type: 'string' },
        'allow-test-jpki': { type: 'boolean' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  const [file, ...rest] = parsed.positionals;
  if (!file) throw new UsageError('missing FILE.pdf');
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
  let at: Date | undefined;
  if (v.at !== undefined) {
    at = new Date(v.at);
    if (!/^\d{4}-\d{2}-\d{2}/.test(v.at) || Number.isNaN(at.getTime())) throw new UsageError(`--at takes an ISO-8601 time (e.g. 2025-04-01T09:00:00Z), not '${v.at}'`);
  }
  const lang = v.lang ?? 'ja';
  if (lang !== 'ja' && lang !== 'en') throw new UsageError(`--lang takes ja or en, not '${lang}'`);
  return {
    file,
    trust: v.trust ?? [],
    json: v.json ?? false,
    offline: v.offline ?? false,
    ...(at ? { at } : {}),
    lang,
    allowTestJpki: v['allow-test-jpki'] ?? false,
  };
}

const CERT_FILE = /\.(pem|crt|cer)$/i;

/** The PEM text of each --trust file, or of every certificate file in a --trust directory. */
async function readTrust(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const path of paths) {
    let st;
    try {
      st = await stat(path);
    } catch {
      throw new UsageError(`--trust ${path} does not exist`);
    }
    const files = st.isDirectory() ? (await readdir(path)).filter((n) => CERT_FILE.test(n)).sort().map((n) => join(path, n)) : [path];
    if (files.length === 0) throw new UsageError(`--trust ${path} holds no *.pem, *.crt or *.cer file`);
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`--trust ${file} holds no PEM CERTIFICATE block`);
      out.push(text);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Text output

/**
 * The report as terminal text. `reportText` is the one function the command calls: it stands
 * in for @jitsuin/verify's renderReportText until that exists, and is switched over to it here.
 */
export function reportText(report: VerificationReport, lang: 'ja' | 'en'): string {
  return fallbackReportText(report, lang);
}

const WORDS = {
  ja: {
    TOTAL_PASSED: '有効',
    INDETERMINATE: '判定不能',
    TOTAL_FAILED: '無効',
    NO_SIGNATURE_FOUND: '署名なし',
    document: '文書',
    signatures: '署名数',
    signature: '署名',
    signer: '署名者',
    signedAt: '署名日時',
    changes: '署名後の変更',
    revocation: '失効確認',
    meaning: '意味',
    notes: '詳細',
    timestamp: 'タイムスタンプ',
    claimed: '署名者の申告',
    unknown: '不明',
    NONE: 'なし',
    LTA_UPDATES: '検証情報・タイムスタンプの追加のみ',
    FORM_FILLING: 'フォーム入力・署名の追加（許可された変更）',
    ANNOTATIONS: '注釈の追加（許可された変更）',
    OTHER: '許可されていない変更あり',
  },
  en: {
    TOTAL_PASSED: 'valid',
    INDETERMINATE: 'indeterminate',
    TOTAL_FAILED: 'INVALID',
    NO_SIGNATURE_FOUND: 'no signature',
    document: 'Document',
    signatures: 'signatures',
    signature: 'Signature',
    signer: 'Signer',
    signedAt: 'Signed at',
    changes: 'Changed since',
    revocation: 'Revocation',
    meaning: 'Meaning',
    notes: 'Notes',
    timestamp: 'timestamp',
    claimed: 'claimed by the signer',
    unknown: 'unknown',
    NONE: 'nothing',
    LTA_UPDATES: 'only validation data and timestamps added',
    FORM_FILLING: 'form filling and signatures added (allowed)',
    ANNOTATIONS: 'annotations added (allowed)',
    OTHER: 'changes that are NOT allowed',
  },
} as const;

const MEANING_STATES: Record<RevocationMeaningCode, Parameters<typeof revocationMeaning>[0]> = {
  ALIVE: { signing: { status: 'good' } },
  FACTS_CHANGED: { signing: { status: 'revoked', reason: 'affiliationChanged' }, auth: { status: 'good' } },
  REMOVED_FROM_REGISTER: { signing: { status: 'revoked', reason: 'affiliationChanged' }, auth: { status: 'revoked' } },
  FACTS_CHANGED_OR_REMOVED: { signing: { status: 'revoked', reason: 'affiliationChanged' } },
  REVOCATION_REQUESTED: { signing: { status: 'revoked', reason: 'cessationOfOperation' } },
  RENEWED: { signing: { status: 'revoked', reason: 'superseded' } },
  CARD_LOST_OR_STOLEN: { signing: { status: 'revoked', reason: 'certificateHold' } },
  KEY_COMPROMISED: { signing: { status: 'revoked', reason: 'keyCompromise' } },
  REVOKED_OTHER: { signing: { status: 'revoked', reason: 'unspecified' } },
  STATUS_UNKNOWN: { signing: { status: 'unknown' } },
};

function signatureText(s: SignatureReport, i: number, lang: 'ja' | 'en'): string[] {
  const w = WORDS[lang];
  const verdict = `${w[s.indication]}${s.subIndication ? ` (${s.subIndication})` : ''}`;
  const when = s.time.timestamp ? `${s.time.timestamp} (${w.timestamp})` : s.time.claimed ? `${s.time.claimed} (${w.claimed})` : w.unknown;
  const lines = [
    `${w.signature} ${i + 1}: ${s.field} — ${verdict} [${s.level}]`,
    `  ${w.signer}: ${s.signer?.jpki?.name ?? s.signer?.subject ?? w.unknown}`,
    `  ${w.signedAt}: ${when}`,
    `  ${w.changes}: ${s.modifications ? w[s.modifications] : w.unknown}`,
    `  ${w.revocation}: ${s.revocation.status}${s.revocation.reason ? ` (${s.revocation.reason})` : ''}${s.revocation.source ? `, ${s.revocation.source}` : ''}`,
  ];
  const code = s.revocation.meaningCode as RevocationMeaningCode | null;
  const meaning = code && MEANING_STATES[code] ? revocationMeaning(MEANING_STATES[code])[lang] : s.revocation.meaning;
  if (meaning) lines.push(`  ${w.meaning}: ${meaning}`);
  if (s.messages.length > 0) lines.push(`  ${w.notes}:`, ...s.messages.map((m) => `    - ${m}`));
  return lines;
}

function fallbackReportText(report: VerificationReport, lang: 'ja' | 'en'): string {
  const w = WORDS[lang];
  const d = report.document;
  const head = `${w.document}: ${w[d.indication]}${d.subIndication ? ` (${d.subIndication})` : ''} — ${w.signatures} ${d.signatureCount}`;
  return [head, ...report.signatures.flatMap((s, i) => ['', ...signatureText(s, i, lang)])].join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------

async function verify(args: string[]): Promise<number> {
  const a = parse(args);
  const trustAnchors = await readTrust(a.trust);
  let report: VerificationReport;
  try {
    report = await verifyPdf(a.file, {
      trustAnchors,
      allowJpkiTestHierarchy: a.allowTestJpki,
      offline: a.offline,
      ...(a.at ? { at: a.at } : {}),
    });
  } catch (err) {
    if (err instanceof VerifyInputError) throw new UsageError(err.message);
    throw err;
  }
  process.stdout.write(a.json ? `${JSON.stringify(report, null, 2)}\n` : reportText(report, a.lang));
  return report.document.indication === 'TOTAL_PASSED' ? 0 : 1;
}

export async function verifyCommand(args: string[]): Promise<number> {
  try {
    return await verify(args);
  } catch (err) {
    if (err instanceof UsageError) {
      const usage = /^(missing|unexpected|--|Unknown option|Option)/.test(err.message) ? `\n${VERIFY_USAGE}` : '';
      process.stderr.write(`jitsuin verify: ${oneLine(err.message)}\n${usage}`);
      return 2;
    }
    // Typed errors (JitsuinError kinds) are one line; anything else is a bug and keeps its stack.
    if (err instanceof Error && typeof (err as { kind?: unknown }).kind === 'string') {
      process.stderr.write(`jitsuin verify: ${oneLine(err.message)}\n`);
      return 2;
    }
    throw err;
  }
}

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ');
