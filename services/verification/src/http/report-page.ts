import { escapeHtml, renderReportHtml, type VerificationReport } from '@jitsuin/verify';

/**
 * The HTML page of a report: @jitsuin/verify's renderReportHtml (one self-contained page, in
 * Japanese and English: who signed, when, what changed since, what a revocation means).
 */
export function reportHtml(report: VerificationReport): string {
  return renderReportHtml(report);
}

/** A short page for an error (the status line says the rest). */
export function errorHtml(message: string): string {
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Verification</title></head><body><p>${escapeHtml(message)}</p></body></html>\n`;
}
