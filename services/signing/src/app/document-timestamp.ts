import { failedPrecondition, notFound } from '@jitsuin/errors';
import { documentTimestamp, estimateDocumentTimestampSize, probeTimestampTokenSize } from '@jitsuin/pades';
import { digestByteRange, embedContents, PdfDocument, prepareSignature } from '@jitsuin/pdf';

/** The names of the document's signature fields (reads the AcroForm, not the whole file). */
export function signatureFieldNames(pdf: Buffer): Set<string> {
  return new Set(PdfDocument.open(pdf).signatureFields().map((f) => f.name));
}

/** A field name not taken yet: `${base}`, or `${base}-2`, `${base}-3`, ... */
export function freeFieldName(taken: Set<string>, base: string): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

/**
 * PAdES B-T for a signature that has none: a document timestamp (/DocTimeStamp, ETSI.RFC3161)
 * appended after it, whose token covers the signature and everything before it
 * (ETSI EN 319 142-1: a document time-stamp may stand in for the signature time-stamp). The
 * signature itself is not rewritten, so it and every later check stay as they were.
 */
export async function addDocumentTimestamp(
  pdf: Buffer,
  fieldName: string,
  options: { tsaUrl: string; timeoutMs: number },
): Promise<{ parts: Buffer[] }> {
  const doc = PdfDocument.open(pdf);
  const fields = doc.signatureFields();
  const field = fields.find((f) => f.name === fieldName);
  if (!field) throw notFound(`the document has no signature field ${fieldName}`);
  if (!field.signed) throw failedPrecondition(`signature field ${fieldName} is not signed yet: there is nothing to timestamp`);
  const tokenBytes = await probeTimestampTokenSize(options.tsaUrl, { timeoutMs: options.timeoutMs });
  const prepared = prepareSignature(doc, {
    fieldName: freeFieldName(new Set(fields.map((f) => f.name)), 'DocTimeStamp'),
    type: 'DocTimeStamp',
    contentsSize: estimateDocumentTimestampSize({ tokenBytes }),
  });
  const digest = digestByteRange(prepared.parts, prepared.byteRange);
  const timestamp = await documentTimestamp(options.tsaUrl, digest, { timeoutMs: options.timeoutMs });
  return { parts: embedContents(prepared, timestamp.token) };
}
