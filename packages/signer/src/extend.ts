import { randomBytes } from 'node:crypto';
import { DerError } from '@jitsuin/der';
import {
  collectValidationData,
  documentTimestamp,
  estimateDocumentTimestampSize,
  httpRevocationFetchers,
  PadesError,
  parseSignedData,
  requestTimestamp,
} from '@jitsuin/pades';
import {
  appendDss,
  digestByteRange,
  embedContents,
  PdfDict,
  PdfDocument,
  PdfString,
  prepareSignature as preparePdfSignature,
} from '@jitsuin/pdf';
import { badRequest, pdfStep, signerError } from './errors.js';
import type { ExtendOptions, ExtendResult } from './types.js';

/** Where URLs are checked (shared with sign.ts without a cycle at load time). */
function checkTsaUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badRequest(`tsaUrl '${url}' is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw badRequest(`tsaUrl must be an http(s) URL, not ${url}`);
}

/** The certificates a validator needs for one signature: its CMS certificates and those of its timestamp tokens. */
function certificatesOf(contents: Buffer, kind: 'Sig' | 'DocTimeStamp', field: string): Buffer[] {
  try {
    const sd = parseSignedData(contents, `the /Contents of ${field}`);
    const certs = [...sd.certificates];
    if (kind === 'Sig') {
      for (const info of sd.signerInfos) {
        for (const token of info.signatureTimestampTokens) certs.push(...parseSignedData(token, `the signature timestamp of ${field}`).certificates);
      }
    }
    return certs;
  } catch (err) {
    if ((err instanceof PadesError && err.code !== 'TOO_LARGE') || err instanceof DerError) {
      throw signerError('INVALID_ARGUMENT', 'BAD_SIGNATURE_CONTENTS', `signature ${field} does not hold a CMS signature the DSS can be built for: ${err.message}`, err);
    }
    throw err;
  }
}

/**
 * PAdES B-LT: a DSS with the certificates, CRLs and OCSP responses for every signature's signer
 * chain and its timestamp authority's chain (and those of earlier document timestamps); B-LTA:
 * then a document timestamp over the whole file. `pdf` may be given as the parts of a file not
 * yet joined; the result keeps them and appends.
 */
export async function extend(pdf: Buffer, level: 'B-LT' | 'B-LTA', options: ExtendOptions = {}): Promise<ExtendResult> {
  if (!Buffer.isBuffer(pdf)) throw badRequest('the PDF must be a Buffer');
  return extendParts([pdf], level, options);
}

export async function extendParts(parts: Buffer[], level: 'B-LT' | 'B-LTA', options: ExtendOptions = {}): Promise<ExtendResult> {
  if (level !== 'B-LT' && level !== 'B-LTA') throw badRequest(`extend goes to B-LT or B-LTA, not ${String(level)}`);
  if (level === 'B-LTA') {
    if (!options.tsaUrl) throw signerError('INVALID_ARGUMENT', 'TSA_REQUIRED', 'B-LTA needs a document timestamp: give the TSA URL');
    checkTsaUrl(options.tsaUrl);
  }
  const joined = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  const doc = pdfStep('the PDF', () => PdfDocument.open(joined));

  // Every signature and document timestamp, with the certificates its validation needs.
  const certificates: Buffer[] = [];
  const signed = pdfStep('the PDF', () => doc.signatureFields()).filter((f) => f.signed && f.signature?.ref);
  if (signed.length === 0) throw signerError('FAILED_PRECONDITION', 'NO_SIGNATURES', 'the PDF has no signatures: there is nothing to add validation data for');
  for (const field of signed) {
    const sig = pdfStep('the PDF', () => doc.getObject(field.signature!.ref!));
    const contents = sig instanceof PdfDict ? doc.resolve(sig.get('Contents')) : undefined;
    if (!(contents instanceof PdfString)) {
      throw signerError('INVALID_ARGUMENT', 'BAD_SIGNATURE_CONTENTS', `signature ${field.name} has no /Contents string`);
    }
    certificates.push(...certificatesOf(contents.bytes, field.signature?.type === 'DocTimeStamp' ? 'DocTimeStamp' : 'Sig', field.name));
  }

  // B-LTA: the document timestamp's TSA chain goes into the DSS too, so that the last timestamp
  // can be validated from the file alone; a probe token tells its certificates and size.
  const timing = options.timeoutMs ? { timeoutMs: options.timeoutMs } : {};
  const probe = level === 'B-LTA' ? await requestTimestamp(options.tsaUrl!, { data: randomBytes(32) }, timing) : undefined;
  if (probe) certificates.push(...probe.certificates);

  const fetch = options.fetchers ?? httpRevocationFetchers(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {});
  const data = await collectValidationData({ certificates, fetch, requireAll: options.requireRevocationData ?? true });
  const dss = pdfStep('adding the DSS', () => appendDss(doc, { certs: data.certs, crls: data.crls, ocsps: data.ocsps }));
  const out = [...parts];
  let current = joined;
  if (dss.parts[1].length > 0) {
    out.push(dss.parts[1]);
    current = Buffer.concat([joined, dss.parts[1]]);
  }

  if (level === 'B-LTA') {
    const tsaUrl = options.tsaUrl!;
    const tsDoc = pdfStep('the PDF', () => PdfDocument.open(current));
    const used = new Set(tsDoc.signatureFields().map((f) => f.name));
    let n = used.size + 1;
    while (used.has(`DocumentTimestamp${n}`)) n++;
    const contentsSize = estimateDocumentTimestampSize({ tokenBytes: probe!.token.length });
    const prepared = pdfStep('preparing the document timestamp', () =>
      preparePdfSignature(tsDoc, { fieldName: `DocumentTimestamp${n}`, type: 'DocTimeStamp', contentsSize }),
    );
    const digest = digestByteRange(prepared.parts, prepared.byteRange);
    const ts = await documentTimestamp(tsaUrl, digest, timing);
    out.push(embedContents(prepared, ts.token)[1]);
  }
  return { parts: out, revocation: data.statuses, warnings: data.warnings };
}
