import { createHash } from 'node:crypto';
import type { VerificationReport } from '../report.js';
import { terminalSafe } from './text.js';
import { describeReport, type Lang, type ReportWords, type Tone } from './words.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text for an HTML text node or a quoted attribute value: markup characters escaped, and control
 * characters and bidirectional overrides made visible (as in the terminal) so a name from the PDF
 * can neither add markup nor reorder what the reader sees.
 */
export function escapeHtml(text: string): string {
  return terminalSafe(text).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Hiragino Sans","Noto Sans JP","Yu Gothic",sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1b1b1b;line-height:1.5}
nav{margin-bottom:1rem}nav a{margin-right:1rem}
section{border-top:2px solid #444;padding-top:1rem;margin-top:2rem}
.verdict{font-size:1.2rem;padding:.6rem .9rem;border-radius:.3rem}
article{border:1px solid #ccc;border-radius:.3rem;padding:.5rem 1rem;margin:1rem 0}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:.3rem .5rem;border-bottom:1px solid #eee}
th{width:16rem;font-weight:600}
.good{background:#e7f5e9}.bad{background:#fde8e8}.warn{background:#fff5da}.neutral{background:transparent}
details{margin-top:.5rem}details li{font-family:ui-monospace,monospace;font-size:.85rem;word-break:break-word}
`.trim();

/**
 * The CSP source of the page's one `<style>` element: the page allows exactly that style (a
 * server sending the page names it in its own Content-Security-Policy header).
 */
export const REPORT_STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE, 'utf8').digest('base64')}'`;

/**
 * The report as one self-contained HTML page (no scripts, no external resources; a Content
 * Security Policy forbids both): the verdict and, per signature, who signed, when, whether anything
 * changed since and what a revocation means, in Japanese and then in English.
 */
export function renderReportHtml(report: VerificationReport): string {
  const words = describeReport(report);
  const title = `${words.title.ja} / ${words.title.en}`;
  return [
    '<!DOCTYPE html>',
    '<html lang="ja">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${REPORT_STYLE_HASH}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<nav><a href="#ja" lang="ja">日本語</a><a href="#en" lang="en">English</a></nav>',
    section(words, 'ja'),
    section(words, 'en'),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

const cls = (tone: Tone) => `class="${tone}"`;

function section(words: ReportWords, lang: Lang): string {
  const detailsLabel = lang === 'ja' ? '詳細（検証器のメッセージ、英語）' : 'Details (verifier messages)';
  const out: string[] = [`<section id="${lang}" lang="${lang}">`, `<h1>${escapeHtml(words.title[lang])}</h1>`];
  out.push(`<p class="verdict ${words.tone}"><strong>${escapeHtml(words.verdict[lang])}</strong> ${escapeHtml(words.summary[lang])}</p>`);
  words.signatures.forEach((s, i) => {
    out.push('<article>');
    out.push(`<h2>[${i + 1}] ${escapeHtml(s.title[lang])} — <span ${cls(s.tone)}>${escapeHtml(s.verdict[lang])}</span></h2>`);
    out.push('<table>');
    for (const line of s.lines) out.push(`<tr ${cls(line.tone)}><th scope="row">${escapeHtml(line.label[lang])}</th><td>${escapeHtml(line.value[lang])}</td></tr>`);
    out.push('</table>');
    if (s.details.length > 0) {
      out.push(`<details${s.tone === 'good' ? '' : ' open'}><summary>${escapeHtml(detailsLabel)}</summary><ul lang="en">`);
      for (const d of s.details) out.push(`<li>${escapeHtml(d)}</li>`);
      out.push('</ul></details>');
    }
    out.push('</article>');
  });
  out.push('</section>');
  return out.join('\n');
}
