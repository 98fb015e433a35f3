import { createHash } from 'node:crypto';
import {
  assembleSignedData,
  buildSignedAttributes,
  estimateSignatureSize,
  OID,
  parseAttributes,
  pemCertificates,
  probeTimestampTokenSize,
  sha256DigestInfo,
  type Signer,
  timestampSignature,
  verifyRawSignature,
} from '@jitsuin/pades';
import {
  buildTextAppearance,
  embedContents,
  PdfDocument,
  PdfRef,
  prepareSignature as preparePdfSignature,
  type Appearance,
  type LockOptions,
  type PreparedSignature,
  type SignatureFieldSpec,
} from '@jitsuin/pdf';
import { badRequest, fromPdfError, pdfStep, signerError } from './errors.js';
import { extendParts } from './extend.js';
import { appearanceLines, signerDisplayName } from './names.js';
import { checkPending, normalisePending } from './pending.js';
import type { CompleteOptions, FieldSpec, PadesLevel, PendingSignature, Placement, PrepareRequest, Rect, SignResult } from './types.js';

export const LEVELS: readonly PadesLevel[] = ['B-B', 'B-T', 'B-LT', 'B-LTA'];
/** The lock a final seal applies: every field, and no changes but DSS and document timestamps (PDF 2.0 /P 1). */
const FINAL_LOCK: LockOptions = { action: 'All', permissions: 1 };
const MAX_RECT = 14_400; // PDF user-space limit of a page side

/** DER of a certificate given as DER or PEM. */
export function certificateDer(input: Uint8Array | string, what: string): Buffer {
  if (typeof input === 'string' || (input.length > 10 && Buffer.from(input.subarray(0, 10)).toString('latin1') === '-----BEGIN')) {
    const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
    const [first] = pemCertificates(text);
    if (!first) throw badRequest(`${what} is PEM text without a CERTIFICATE block`);
    return first;
  }
  if (!(input instanceof Uint8Array) || input.length === 0) throw badRequest(`${what} is missing`);
  return Buffer.isBuffer(input) ? input : Buffer.from(input);
}

function checkRect(rect: Rect | undefined, what: string): [number, number, number, number] | undefined {
  if (rect === undefined) return undefined;
  const { x, y, width, height } = rect ?? ({} as Rect);
  if (![x, y, width, height].every((v) => typeof v === 'number' && Number.isFinite(v))) throw badRequest(`${what}: x, y, width and height must be finite numbers`);
  if (!(width > 0 && height > 0)) throw badRequest(`${what}: width and height must be positive (omit the rectangle for an invisible signature)`);
  if (x < 0 || y < 0 || x + width > MAX_RECT || y + height > MAX_RECT) throw badRequest(`${what}: the rectangle lies outside any page`);
  return [x, y, x + width, y + height];
}

function checkPage(page: number | undefined, what: string): void {
  if (page !== undefined && (!Number.isInteger(page) || page < 1)) throw badRequest(`${what}: page must be 1 or more`);
}

function checkFieldName(name: string | undefined, what: string): void {
  if (name === undefined) return;
  if (typeof name !== 'string' || name.length === 0 || name.length > 255) throw badRequest(`${what}: a field name is 1 to 255 characters`);
}

function checkRequest(request: PrepareRequest): void {
  if (!request || typeof request !== 'object') throw badRequest('the signing request is missing');
  if (!LEVELS.includes(request.level)) throw badRequest(`level must be one of ${LEVELS.join(', ')}, not ${String(request.level)}`);
  const p = request.placement;
  if (!p || typeof p !== 'object') throw badRequest('placement is missing (use {} for a new invisible signature)');
  checkFieldName(p.fieldName, 'placement');
  checkPage(p.page, 'placement');
  checkRect(p.rect, 'placement');
  if (p.page !== undefined && p.rect === undefined) throw badRequest('placement: a page without a rectangle; give rect for a visible signature, or neither');
  if (p.roleLabel !== undefined && (typeof p.roleLabel !== 'string' || p.roleLabel.length > 200)) throw badRequest('placement: roleLabel must be text of at most 200 characters');
  if (request.certify !== undefined && ![1, 2, 3].includes(request.certify)) throw badRequest('certify must be 1, 2 or 3 (the DocMDP level)');
  if (request.lock !== undefined && typeof request.lock !== 'boolean') throw badRequest('lock must be true or false');
  if (request.signingTime !== undefined && (!(request.signingTime instanceof Date) || Number.isNaN(request.signingTime.getTime()))) {
    throw badRequest('signingTime must be a valid Date');
  }
  if (request.chain !== undefined && (!Array.isArray(request.chain) || !request.chain.every((c) => c instanceof Uint8Array))) {
    throw badRequest('chain must be a list of DER certificates');
  }
  if (request.tsaUrl !== undefined) checkUrl(request.tsaUrl, 'tsaUrl');
  for (const [i, f] of (request.addFields ?? []).entries()) {
    if (!f || typeof f.fieldName !== 'string') throw badRequest(`addFields[${i}] needs a fieldName`);
    checkFieldName(f.fieldName, `addFields[${i}]`);
    checkPage(f.page, `addFields[${i}]`);
    checkRect(f.rect, `addFields[${i}]`);
  }
}

export function checkUrl(url: string, what: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badRequest(`${what} '${url}' is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw badRequest(`${what} must be an http(s) URL, not ${url}`);
}

const needsTimestamp = (level: PadesLevel) => level !== 'B-B';

/** A field name not used yet: the given prefix with the first free number. */
export function freeFieldName(doc: PdfDocument, prefix: string, taken: Iterable<string> = []): string {
  const used = new Set([...doc.signatureFields().map((f) => f.name), ...taken]);
  for (let n = used.size + 1; ; n++) if (!used.has(`${prefix}${n}`)) return `${prefix}${n}`;
}

function fieldSpec(f: FieldSpec): SignatureFieldSpec {
  return {
    fieldName: f.fieldName,
    ...(f.page !== undefined ? { page: f.page } : {}),
    ...(f.rect ? { rect: checkRect(f.rect, f.fieldName)! } : {}),
    ...(f.lock ? { lock: FINAL_LOCK } : {}),
  };
}

/**
 * Step 1 (pyHanko's embedder up to "hash"): appends the field (or fills the template's empty
 * one), the appearance and the /Contents placeholder as one incremental update, hashes the
 * ByteRange streaming from the parts, and builds the CMS signed attributes. The result is plain
 * data: the card signs `digestInfo`, and completeSignature takes it from there.
 */
export async function prepareSignature(pdf: Buffer, request: PrepareRequest): Promise<PendingSignature> {
  if (!Buffer.isBuffer(pdf)) throw badRequest('the PDF must be a Buffer');
  checkRequest(request);
  const signerCertificate = certificateDer(request.signerCertificate, "the signer's certificate");
  const chain = (request.chain ?? []).map((c, i) => certificateDer(c, `certificate ${i + 1} of the chain`));
  const signingTime = request.signingTime ?? new Date();
  const doc = pdfStep('the PDF', () => PdfDocument.open(pdf));

  // Which field: the template's empty one, or a new one.
  const placement = request.placement;
  const existing = placement.fieldName ? pdfStep('the PDF', () => doc.signatureFields()).find((f) => f.name === placement.fieldName) : undefined;
  if (existing && (placement.rect || placement.page)) {
    throw badRequest(`the document already has a field ${existing.name}: its page and rectangle come from the document (omit page and rect, or choose another field name)`);
  }
  const fieldName = placement.fieldName ?? pdfStep('the PDF', () => freeFieldName(doc, 'Signature', (request.addFields ?? []).map((f) => f.fieldName)));
  const rect = existing ? existing.widgets[0]?.rect : checkRect(placement.rect, 'placement');
  const width = rect ? Math.abs(rect[2] - rect[0]) : 0;
  const height = rect ? Math.abs(rect[3] - rect[1]) : 0;

  // The visible appearance: the signer's name, role and date in Japanese.
  const name = signerDisplayName(signerCertificate);
  let appearance: Appearance | undefined;
  if (width > 0 && height > 0) {
    try {
      appearance = await buildTextAppearance({ width, height, lines: appearanceLines({ name, ...(placement.roleLabel ? { roleLabel: placement.roleLabel } : {}), signingTime }) });
    } catch (err) {
      throw fromPdfError(err, 'the signature appearance');
    }
  }

  // The placeholder: exact for the B-B CMS, plus the measured (or assumed) timestamp token.
  let timestamp: false | { tokenBytes?: number } = false;
  if (needsTimestamp(request.level)) timestamp = request.tsaUrl ? { tokenBytes: await probeTimestampTokenSize(request.tsaUrl) } : {};
  const size = estimateSignatureSize({ signerCertificate, certificates: chain, timestamp });

  const prepared = pdfStep('preparing the signature', () =>
    preparePdfSignature(doc, {
      fieldName,
      ...(placement.page !== undefined && !existing ? { page: placement.page } : {}),
      ...(rect && !existing ? { rect } : {}),
      ...(appearance ? { appearance } : {}),
      signingTime,
      name,
      ...(request.reason ? { reason: request.reason } : {}),
      ...(request.location ? { location: request.location } : {}),
      contentsSize: size.bytes,
      ...(request.certify ? { certify: request.certify } : {}),
      ...(request.lock ? { lock: FINAL_LOCK } : {}),
      ...(request.addFields?.length ? { addFields: request.addFields.map(fieldSpec) } : {}),
    }),
  );

  const { baseSha256, digest: documentDigest } = hashRanges(pdf, prepared.parts[1], prepared.byteRange);
  const attrs = buildSignedAttributes({ documentDigest, signerCertificate });
  return {
    fieldName: prepared.fieldName,
    appended: prepared.parts[1],
    byteRange: prepared.byteRange,
    contentsOffset: prepared.contentsOffset,
    contentsSize: prepared.contentsSize,
    signedAttributes: attrs.der,
    digest: attrs.digest,
    digestInfo: attrs.digestInfo,
    level: request.level,
    signerCertificate,
    chain,
    baseSize: pdf.length,
    baseSha256,
  };
}

/**
 * One streaming pass over the original and the update: the SHA-256 of the original (the base
 * the update belongs to) and the ByteRange digest, which starts with the whole original (the
 * placeholder is in the appended part), so the first hash is a copy taken half-way.
 */
export function hashRanges(base: Buffer, appended: Buffer, byteRange: readonly number[]): { baseSha256: string; digest: Buffer } {
  const [start, a, b, c] = byteRange;
  const total = base.length + appended.length;
  if (byteRange.length !== 4 || start !== 0 || a === undefined || b === undefined || c === undefined || a < base.length || a > b || b + c !== total) {
    throw signerError('INVALID_ARGUMENT', 'PENDING_CORRUPT', `the ByteRange [${byteRange.join(' ')}] does not fit a ${base.length}-byte PDF and its ${appended.length}-byte update`);
  }
  const hash = createHash('sha256');
  hash.update(base);
  const baseSha256 = hash.copy().digest('hex');
  hash.update(appended.subarray(0, a - base.length));
  hash.update(appended.subarray(b - base.length));
  return { baseSha256, digest: hash.digest() };
}

function messageDigestOf(signedAttributes: Buffer): Buffer | undefined {
  const attr = parseAttributes(signedAttributes, 'the signed attributes').find((x) => x.type === OID.messageDigest);
  const value = attr?.values[0];
  // OCTET STRING of 32 bytes: 04 20 <digest>.
  return value && value.length === 34 && value[0] === 0x04 && value[1] === 0x20 ? value.subarray(2) : undefined;
}

/**
 * Step 2 (pyHanko's embedder from "inject"): checks, before anything is written, that the
 * certificate is the prepared one, that the signature value verifies over the prepared signed
 * attributes, and that `pdf` is the very file prepared against; then assembles the CMS, adds the
 * signature timestamp (B-T and above), writes it into the placeholder, and for B-LT / B-LTA
 * extends the result. Returns the parts of the new file: `pdf` itself first, untouched.
 */
export async function completeSignature(
  pdf: Buffer,
  pending: PendingSignature,
  signatureValue: Buffer,
  certificate: Buffer,
  options: CompleteOptions = {},
): Promise<SignResult> {
  return complete(pdf, pending, signatureValue, certificate, options, options.baseVerified === true);
}

async function complete(
  pdf: Buffer,
  pendingIn: PendingSignature,
  signatureValue: Buffer,
  certificate: Buffer,
  options: CompleteOptions,
  baseTrusted: boolean,
): Promise<SignResult> {
  if (!Buffer.isBuffer(pdf)) throw badRequest('the PDF must be a Buffer');
  const pending = normalisePending(pendingIn);
  checkPending(pending);
  if (!(signatureValue instanceof Uint8Array) || signatureValue.length === 0) {
    throw signerError('INVALID_ARGUMENT', 'BAD_REQUEST', 'the signature value is missing: send the raw RSA signature the card returned');
  }
  if (options.tsaUrl !== undefined) checkUrl(options.tsaUrl, 'tsaUrl');
  const cert = certificateDer(certificate, "the signer's certificate");
  if (!cert.equals(pending.signerCertificate)) {
    throw signerError(
      'INVALID_ARGUMENT',
      'CERTIFICATE_MISMATCH',
      `the certificate is not the one this signature was prepared for (prepared for ${signerDisplayName(pending.signerCertificate)}, given ${describe(cert)}): sign with the same card or key, or prepare again`,
    );
  }
  // The pending data must agree with itself: the card signed `digestInfo`, the CMS carries `signedAttributes`.
  const attrsDigest = createHash('sha256').update(pending.signedAttributes).digest();
  if (!attrsDigest.equals(pending.digest) || !sha256DigestInfo(attrsDigest).equals(pending.digestInfo)) {
    throw signerError('INVALID_ARGUMENT', 'PENDING_CORRUPT', 'the pending signature is damaged: its digest is not the SHA-256 of its signed attributes');
  }
  verifyRawSignature(pending.signedAttributes, signatureValue, cert);
  if (needsTimestamp(pending.level) && !options.tsaUrl) {
    throw signerError('INVALID_ARGUMENT', 'TSA_REQUIRED', `level ${pending.level} needs a signature timestamp: give the TSA URL`);
  }

  if (pdf.length !== pending.baseSize) {
    throw signerError('FAILED_PRECONDITION', 'BASE_MISMATCH', `the PDF is ${pdf.length} bytes, but the signature was prepared on a ${pending.baseSize}-byte PDF: complete it on the same revision`);
  }
  if (!baseTrusted) {
    const { baseSha256, digest } = hashRanges(pdf, pending.appended, pending.byteRange);
    if (baseSha256 !== pending.baseSha256) {
      throw signerError('FAILED_PRECONDITION', 'BASE_MISMATCH', 'the PDF is not the revision the signature was prepared on (its SHA-256 differs): complete it on the same revision, or prepare again');
    }
    const expected = messageDigestOf(pending.signedAttributes);
    if (!expected || !expected.equals(digest)) {
      throw signerError('INVALID_ARGUMENT', 'PENDING_CORRUPT', 'the pending signature is damaged: the signed attributes are not over its update');
    }
  }

  let signedData = assembleSignedData({ signedAttrsDer: pending.signedAttributes, signatureValue, signerCertificate: cert, certificates: pending.chain });
  if (needsTimestamp(pending.level)) {
    signedData = (await timestampSignature(signedData, options.tsaUrl!, options.timeoutMs ? { timeoutMs: options.timeoutMs } : {})).signedData;
  }
  const prepared: PreparedSignature = {
    parts: [pdf, pending.appended],
    byteRange: pending.byteRange,
    contentsOffset: pending.contentsOffset,
    contentsSize: pending.contentsSize,
    fieldName: pending.fieldName,
    signatureRef: new PdfRef(0, 0),
  };
  let parts: Buffer[];
  try {
    parts = embedContents(prepared, signedData);
  } catch (err) {
    if (err instanceof Error && (err as { kind?: string }).kind === 'RESOURCE_EXHAUSTED') throw err;
    throw signerError('INVALID_ARGUMENT', 'PENDING_CORRUPT', `the pending signature is damaged: ${(err as Error).message}`, err);
  }
  if (pending.level === 'B-LT' || pending.level === 'B-LTA') {
    const extended = await extendParts(parts, pending.level, options);
    return { parts: extended.parts };
  }
  return { parts };
}

function describe(cert: Buffer): string {
  try {
    return signerDisplayName(cert);
  } catch {
    return 'a certificate that does not parse';
  }
}

/**
 * Prepare, sign and complete in one call, for signers that answer at once: a seal from a
 * PKCS#12, a server key, or the card simulator behind the Signer interface.
 */
export async function signWith(
  pdf: Buffer,
  signer: Signer,
  request: Omit<PrepareRequest, 'signerCertificate' | 'chain'>,
  options: Omit<CompleteOptions, 'tsaUrl'> = {},
): Promise<SignResult> {
  if (!signer || typeof signer.sign !== 'function') throw badRequest('a signer (certificate, chain, sign) is needed');
  const pending = await prepareSignature(pdf, { ...request, signerCertificate: signer.certificate, chain: signer.chain });
  const signatureValue = await signer.sign(pending.digestInfo);
  return complete(pdf, pending, signatureValue, signer.certificate, { ...options, ...(request.tsaUrl ? { tsaUrl: request.tsaUrl } : {}) }, true);
}

export type { Placement };
