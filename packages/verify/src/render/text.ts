import type { VerificationReport } from '../report.js';
import { describeReport, type Lang, type Line, type Phrase, type Tone } from './words.js';

export interface TextRenderOptions {
  /** Japanese, English, or both (each line in Japanese, then in English). Default 'both'. */
  lang?: Lang | 'both';
  /** Include the verifier's technical messages for every signature, not only for those that did not pass. Default false. */
  details?: boolean;
}

const MARK: Record<Tone, string> = { good: '✓', bad: '✗', warn: '!', neutral: ' ' };

/**
 * Control characters (C0, DEL, C1: escape sequences, line breaks) and bidirectional overrides
 * made visible: a field or signer name comes from the PDF, and must not move the cursor, clear the
 * screen, forge a line of the report or reorder what the reader sees.
 */
export function terminalSafe(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u{${c.codePointAt(0)!.toString(16).padStart(4, '0')}}`);
}

/**
 * The report as plain text for a terminal: the document's verdict, then per signature who signed,
 * when, whether anything changed since, and what the revocation status means.
 */
export function renderReportText(report: VerificationReport, options: TextRenderOptions = {}): string {
  const lang = options.lang ?? 'both';
  const words = describeReport(report);
  const langs: Lang[] = lang === 'both' ? ['ja', 'en'] : [lang];
  const say = (ph: Phrase, sep = ' / ') => langs.map((l) => terminalSafe(ph[l])).join(sep);
  const out: string[] = [];

  out.push(say(words.title));
  out.push('='.repeat(40));
  for (const l of langs) out.push(`${MARK[words.tone]} ${terminalSafe(words.verdict[l])}: ${terminalSafe(words.summary[l])}`);

  words.signatures.forEach((s, i) => {
    out.push('');
    out.push(`[${i + 1}] ${MARK[s.tone]} ${say(s.title)} — ${say(s.verdict)}`);
    for (const line of s.lines) out.push(...lineText(line, langs));
    const failed = s.tone !== 'good';
    if ((failed || options.details) && s.details.length > 0) {
      out.push(`    ${say({ ja: '詳細（検証器のメッセージ）', en: 'Details (verifier messages)' })}:`);
      for (const d of s.details) out.push(`      - ${terminalSafe(d)}`);
    }
  });
  return `${out.join('\n')}\n`;
}

function lineText(line: Line, langs: Lang[]): string[] {
  const mark = line.tone === 'neutral' ? ' ' : MARK[line.tone];
  if (langs.length === 1) return [`  ${mark} ${terminalSafe(line.label[langs[0]!])}: ${terminalSafe(line.value[langs[0]!])}`];
  // Both: the labels together, then each language's sentence on its own line.
  return [`  ${mark} ${terminalSafe(line.label.ja)} / ${terminalSafe(line.label.en)}:`, ...langs.map((l) => `        ${terminalSafe(line.value[l])}`)];
}
