import { parseAt, parseCommandArgs, readTrust, UsageError } from '../args.js';
import { renderReportText, type VerificationReport, verifyPdf, VerifyInputError } from '@jitsuin/verify';

/**
 * `./jitsuin verify FILE.pdf [--trust PEM_FILE_OR_DIR]... [--json] [--offline] [--at ISO-8601] [--lang ja|en]`:
 * the library in this process (no service needed). Exit 0 only for TOTAL_PASSED; 1 for
 * INDETERMINATE, TOTAL_FAILED or NO_SIGNATURE_FOUND; 2 for unusable input or a usage mistake.
 */

export const VERIFY_USAGE = `usage: ./jitsuin verify FILE.pdf [--trust PEM_FILE_OR_DIR]... [--json] [--offline] [--at ISO-8601]
         [--lang ja|en|both] [--allow-test-jpki]

  --trust P          trust anchors: a PEM file, or a directory of *.pem/*.crt/*.cer files; repeatable
                     (the JPKI roots of every generation, the lender's seal CA, the TSA's CA).
                     Without it no chain can be built and every signature is INDETERMINATE.
  --json             print the report as JSON (the same as the library and the service give)
  --offline          use only the revocation data the PDF embeds (its DSS); ask no responder
  --at TIME          validate as at this ISO-8601 time instead of now
  --lang ja|en|both  language of the text report (default both: each line in Japanese, then English)
  --allow-test-jpki  accept certificates of the JPKI test hierarchy (./jitsuin pki init)

exit status: 0 every signature passed (TOTAL_PASSED); 1 INDETERMINATE, TOTAL_FAILED or no
signature; 2 the file cannot be verified at all, or a usage mistake
`;


interface VerifyArgs {
  file: string;
  trust: string[];
  json: boolean;
  offline: boolean;
  at?: Date;
  lang: 'ja' | 'en' | 'both';
  allowTestJpki: boolean;
}

function parse(args: string[]): VerifyArgs {
  const parsed = parseCommandArgs(args, {
    trust: { type: 'string', multiple: true },
    json: { type: 'boolean' },
    offline: { type: 'boolean' },
    at: { type: 'string' },
    lang: { type: 'string' },
    'allow-test-jpki': { type: 'boolean' },
  });
  const v = parsed.values;
  const [file, ...rest] = parsed.positionals;
  if (!file) throw new UsageError('missing FILE.pdf');
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
  const at = parseAt(v.at);
  const lang = v.lang ?? 'both';
  if (lang !== 'ja' && lang !== 'en' && lang !== 'both') throw new UsageError(`--lang takes ja, en or both, not '${lang}'`);
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
  process.stdout.write(a.json ? `${JSON.stringify(report, null, 2)}\n` : renderReportText(report, { lang: a.lang }));
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
