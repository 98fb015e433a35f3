import { renderReportHtml, type VerificationReport } from '@jitsuin/verify';

/**
 * The HTML page of a report: @jitsuin/verify's renderReportHtml (one self-contained page, in
 * Japanese and English: who signed, when, what changed since, what a revocation means).
 */
export function reportHtml(report: VerificationReport): string {
  return renderReportHtml(report);
}
