import { createHash, constants as cryptoConstants, type Hash, verify as cryptoVerify } from 'node:crypto';
import { JitsuinError } from '@jitsuin/errors';
import { type Cert, findSignerCertificate, OID, parseSignedData, type ParsedSignedData, type Timestamp, verifyTimestampToken } from '@jitsuin/pades';
import { PdfDocument, type PdfRef, PdfString, type SignatureField } from '@jitsuin/pdf';
import {
  cryptoConstraintsFailure,
  formatFailure,
  hashFailure,
  noSigningCertificate,
  SignatureValidationError,
  sigCryptoFailure,
  signedDataNotFound,
  VerifyInputError,
} from './errors.js';
import { type Coverage, type DocumentReport, indicationOf, type SignatureLevel, type SignatureReport, type SubIndication, type VerificationReport } from './report.js';

/**
 * The first layer of verification: integrity. For each signature found through the AcroForm
 * fields it checks the ByteRange, the coverage, the digest and the CMS signature with the
 * certificate the CMS carries. No network, no chain, no revocation, no modification analysis:
 * a signature that passes everything here is INDETERMINATE, never TOTAL_PASSED.
 */

export interface IntegrityOptions {
  /** Larger inputs are refused with INVALID_ARGUMENT. Default 512 MiB. */
  maxBytes?: number;
  /** More signatures than this are refused with INVALID_ARGUMENT. Default 1000. */
  maxSignatures?: number;
  /** The time written as revocation.checkedAt. Default now. */
  now?: Date;
}

export const SUB_FILTERS = ['ETSI.CAdES.detached', 'adbe.pkcs7.detached', 'ETSI.RFC3161'] as const;

const DEFAULT_MAX_BYTES = 512 * 1024 * 1024;
const DEFAULT_MAX_SIGNATURES = 1000;

/** Hashes allowed by the algorithm policy (SHA-256 or stronger). */
const STRONG_HASHES = new Set(['sha256', 'sha384', 'sha512']);
const MIN_RSA_BITS = 2048;

const HASH_BY_OID: Record<string, string> = {
  [OID.sha1]: 'sha1',
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
};

/** Signature algorithm → the hash it implies (undefined: the SignerInfo's digest algorithm). */
const SIGNATURE_ALGORITHMS: Record<string, { hash?: string; pss?: true }> = {
  [OID.rsaEncryption]: {},
  '1.2.840.113549.1.1.5': { hash: 'sha1' },
  [OID.sha256WithRSAEncryption]: { hash: 'sha256' },
  [OID.sha384WithRSAEncryption]: { hash: 'sha384' },
  [OID.sha512WithRSAEncryption]: { hash: 'sha512' },
  [OID.rsassaPss]: { pss: true },
  '1.2.840.10045.4.3.2': { hash: 'sha256' },
  '1.2.840.10045.4.3.3': { hash: 'sha384' },
  '1.2.840.10045.4.3.4': { hash: 'sha512' },
};

/** The order in which one signature's problems decide its sub-indication (format first, as EU DSS's building blocks). */
const PRIORITY: SubIndication[] = [
  'FORMAT_FAILURE',
  'HASH_FAILURE',
  'SIG_CRYPTO_FAILURE',
  'SIGNED_DATA_NOT_FOUND',
  'NO_SIGNING_CERTIFICATE_FOUND',
  'CRYPTO_CONSTRAINTS_FAILURE',
];

const NOT_CHECKED_YET =
  'integrity only: the certificate chain, revocation and changes made after signing are not checked yet, so this signature cannot be more than INDETERMINATE';

/** A ByteRange that passed the structural checks: signed bytes [0, a) and [b, b + c). */
interface Ranges {
  a: number;
  b: number;
  c: number;
  end: number;
}

interface Found {
  field: SignatureField;
  subFilter: string;
  type: string | undefined;
  ranges?: Ranges;
  /** False once the ByteRange failed a structural check or overlaps another signature's. */
  byteRangeValid: boolean;
  contents?: Buffer;
  problems: SignatureValidationError[];
  messages: string[];
}

/** One signature after the integrity checks, with what the later layers (chain, revocation, time) need. */
export interface InspectedSignature {
  report: SignatureReport;
  /** True when the integrity checks found nothing wrong (the report's indication is then provisional). */
  intact: boolean;
  /** Offset just past the signed bytes (where the signed revision ends). */
  end?: number;
  signerCert?: Cert;
  /** Every certificate the CMS (or timestamp token) carries. */
  certificates: Buffer[];
  /** The signature timestamp, its token checked (signature, imprint over the signature value, TSA EKU); its TSA chain is not. */
  signatureTimestamp?: Timestamp;
  /** Why a signature timestamp that is present could not be used. */
  signatureTimestampProblem?: string;
  /** For ETSI.RFC3161: the document timestamp, checked as above. */
  documentTimestamp?: Timestamp;
}

export interface InspectedPdf {
  bytes: Buffer;
  doc: PdfDocument;
  signatures: InspectedSignature[];
}

/**
 * Verifies the integrity of every signature of `pdf` (see the module comment). Throws a
 * VerifyInputError (INVALID_ARGUMENT) when the input cannot be read as a PDF at all; every problem
 * of a signature itself becomes its indication in the report.
 */
export function verifyPdfIntegrity(pdf: Uint8Array, options: IntegrityOptions = {}): VerificationReport {
  const signatures = inspectPdf(pdf, options).signatures.map(({ report }) => {
    if (report.indication === 'INDETERMINATE') report.messages.push(NOT_CHECKED_YET);
    return report;
  });
  return { document: verdict(signatures), signatures };
}

/** The integrity layer's findings, for verifyPdf to build on (same checks and errors as verifyPdfIntegrity). */
export function inspectPdf(pdf: Uint8Array, options: IntegrityOptions = {}): InspectedPdf {
  if (!(pdf instanceof Uint8Array)) throw new VerifyInputError('the document to verify must be the bytes of a PDF file (Buffer or Uint8Array)');
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (pdf.length === 0) throw new VerifyInputError('the document to verify is empty: send the PDF file');
  if (pdf.length > maxBytes) throw new VerifyInputError(`the document is ${pdf.length} bytes; more than ${maxBytes} is refused`);
  const bytes = Buffer.isBuffer(pdf) ? pdf : Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
  const checkedAt = (options.now ?? new Date()).toISOString();

  let doc: PdfDocument;
  let fields: SignatureField[];
  let revisions: number[];
  try {
    doc = PdfDocument.open(bytes);
    fields = doc.signatureFields().filter((f) => f.signed);
    revisions = doc.revisions;
  } catch (err) {
    throw new VerifyInputError(`the document cannot be read as a PDF: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const maxSignatures = options.maxSignatures ?? DEFAULT_MAX_SIGNATURES;
  if (fields.length > maxSignatures) throw new VerifyInputError(`the document has ${fields.length} signatures; more than ${maxSignatures} is refused`);

  const found = fields.map((field) => locate(doc, bytes, field));
  checkOverlaps(found);
  // Checked in file order, so that the digester passes over the file once; reported in field order.
  const digester = new RangeDigester(bytes);
  const signatures: InspectedSignature[] = new Array(found.length);
  const order = found.map((_, i) => i).sort((x, y) => (found[x]!.ranges?.a ?? 0) - (found[y]!.ranges?.a ?? 0));
  for (const i of order) signatures[i] = checkSignature(bytes, revisions, found[i]!, checkedAt, digester);
  return { bytes, doc, signatures };
}

/** The signature dictionary, its ByteRange (structure) and its /Contents. */
function locate(doc: PdfDocument, bytes: Buffer, field: SignatureField): Found {
  const sig = field.signature;
  const f: Found = { field, subFilter: sig?.subFilter ?? '', type: sig?.type, byteRangeValid: false, problems: [], messages: [] };
  const fail = (e: SignatureValidationError) => f.problems.push(e);
  try {
    if (!sig) throw formatFailure(`field ${field.name}: its /V is not a signature dictionary`);
    if (!(SUB_FILTERS as readonly string[]).includes(f.subFilter)) {
      fail(formatFailure(`field ${field.name}: SubFilter ${f.subFilter || '(none)'} is not one of ${SUB_FILTERS.join(', ')}`));
    }
    const isTimestamp = f.subFilter === 'ETSI.RFC3161';
    if (isTimestamp ? f.type !== 'DocTimeStamp' : f.type !== undefined && f.type !== 'Sig') {
      fail(formatFailure(`field ${field.name}: /Type ${f.type ?? '(none)'} does not go with SubFilter ${f.subFilter}`));
    }
    const fieldDict = field.ref ? doc.resolveDict(field.ref, `signature field ${field.name}`) : undefined;
    const sigDict = doc.resolveDict(fieldDict?.get('V'), `/V of signature field ${field.name}`);
    const contents = sigDict ? doc.resolve(sigDict.get('Contents')) : undefined;
    if (!(contents instanceof PdfString)) throw formatFailure(`field ${field.name}: the signature has no /Contents string`);
    if (!contents.hex) fail(formatFailure(`field ${field.name}: /Contents is a literal string; it must be a hexadecimal string`));
    f.contents = contents.bytes;
    const ranges = checkByteRange(bytes, sig.byteRange, contents, field.name);
    checkGapInDictionary(doc, bytes, sig.ref ?? field.ref, ranges, field.name);
    f.ranges = ranges;
    f.byteRangeValid = true;
  } catch (err) {
    fail(asValidationError(err, field.name));
  }
  return f;
}

/**
 * The ByteRange: four non-negative integers [0 a b c] inside the file, whose gap [a, b) is
 * exactly the /Contents hexadecimal string with its delimiters.
 */
const isHexDigit = (ch: number) => (ch >= 0x30 && ch <= 0x39) || (ch >= 0x41 && ch <= 0x46) || (ch >= 0x61 && ch <= 0x66);

export function checkByteRange(bytes: Buffer, byteRange: number[] | undefined, contents: PdfString, field: string): Ranges {
  const what = `field ${field}: the ByteRange`;
  if (!byteRange || byteRange.length !== 4) throw formatFailure(`${what} is not an array of four integers`);
  if (!byteRange.every((n) => Number.isSafeInteger(n) && n >= 0)) throw formatFailure(`${what} [${byteRange.join(' ')}] holds a negative or non-integer number`);
  const [start, a, b, c] = byteRange as [number, number, number, number];
  if (start !== 0) throw formatFailure(`${what} starts at ${start}, not at the beginning of the file`);
  if (b < a + 2) throw formatFailure(`${what} [${byteRange.join(' ')}] leaves no room for /Contents between its two ranges`);
  if (b + c > bytes.length) throw formatFailure(`${what} [${byteRange.join(' ')}] reaches byte ${b + c}, past the end of the ${bytes.length}-byte file`);
  if (bytes[a] !== 0x3c || bytes[b - 1] !== 0x3e) throw formatFailure(`${what}'s gap [${a}, ${b}) is not a hexadecimal string <...>: the signed ranges do not fit the /Contents`);
  const hex = bytes.subarray(a + 1, b - 1);
  // Decoded natively: node stops at the first pair that is not two hex digits, so every byte is
  // one when all whole pairs decode (and an odd last one is a digit).
  const decoded = Buffer.from(hex.toString('latin1'), 'hex');
  const whole = decoded.length * 2;
  if (!(whole === hex.length || (whole === hex.length - 1 && isHexDigit(hex[whole]!)))) {
    throw formatFailure(`${what}'s gap [${a}, ${b}) holds bytes other than hexadecimal digits: it is not exactly the /Contents string`);
  }
  if (hex.length % 2 !== 0 || !decoded.equals(contents.bytes)) {
    throw formatFailure(`${what}'s gap [${a}, ${b}) is not the signature's /Contents: the signed ranges were moved`);
  }
  return { a, b, c, end: b + c };
}

/**
 * The gap must lie inside the object that holds the signature dictionary (its newest copy), so
 * that the hex string in the gap is that dictionary's /Contents and not an equal string elsewhere.
 */
function checkGapInDictionary(doc: PdfDocument, bytes: Buffer, ref: PdfRef | undefined, r: Ranges, field: string): void {
  if (!ref) return;
  const entry = doc.xrefEntry(ref.num);
  if (entry?.type !== 'offset') throw formatFailure(`field ${field}: the signature dictionary ${ref} is not an object in the file body, so its /Contents cannot be the ByteRange gap`);
  const endobj = bytes.indexOf('endobj', entry.offset, 'latin1');
  if (entry.offset >= r.a || endobj < r.b) throw formatFailure(`field ${field}: the ByteRange gap [${r.a}, ${r.b}) is not inside the signature dictionary ${ref}: the signed ranges were moved`);
}

/**
 * Two signatures' gaps may not meet, and no gap may straddle the end of another signature's
 * signed bytes. Both signatures of an overlapping pair fail.
 */
function checkOverlaps(found: Found[]): void {
  const overlap = (x: Ranges, y: Ranges) => (x.a < y.b && y.a < x.b) || (x.a < y.end && y.end < x.b) || (y.a < x.end && x.end < y.b);
  for (let i = 0; i < found.length; i++) {
    for (let j = i + 1; j < found.length; j++) {
      const x = found[i]!;
      const y = found[j]!;
      if (!x.ranges || !y.ranges || !overlap(x.ranges, y.ranges)) continue;
      x.byteRangeValid = false;
      y.byteRangeValid = false;
      x.problems.push(formatFailure(`field ${x.field.name}: its ByteRange overlaps the ranges of signature ${y.field.name}`));
      y.problems.push(formatFailure(`field ${y.field.name}: its ByteRange overlaps the ranges of signature ${x.field.name}`));
    }
  }
}

/** ENTIRE_FILE, ENTIRE_REVISION (the signed bytes end at a revision's %%EOF) or PARTIAL. */
export function coverageOf(bytes: Buffer, revisions: number[], end: number): Coverage {
  let eol = end;
  if (bytes[eol] === 0x0d) eol++;
  if (bytes[eol] === 0x0a) eol++;
  const atEof = bytes.toString('latin1', Math.max(0, end - 5), end) === '%%EOF';
  if (end === bytes.length || (atEof && eol === bytes.length)) return 'ENTIRE_FILE';
  if (revisions.includes(end) || (atEof && revisions.includes(eol))) return 'ENTIRE_REVISION';
  return 'PARTIAL';
}

/**
 * Digests of the signatures' ByteRanges in one pass over the file. Every ByteRange starts at 0,
 * so the first ranges [0, a) of the signatures nest: one running hash per algorithm advances to
 * each gap's start, and a copy of it (Hash.copy) finishes with that signature's second range. N
 * signatures over S bytes cost S plus their second ranges, not N × S. Asked in order of `a`
 * (inspectPdf does); an earlier `a` after a later one starts that algorithm's hash afresh, so the
 * result never depends on the order. Streams over views of the file: nothing is copied.
 */
export class RangeDigester {
  private readonly running = new Map<string, { hash: Hash; at: number }>();

  constructor(private readonly bytes: Buffer) {}

  digest(r: { a: number; b: number; end: number }, algorithm: string): Buffer {
    let state = this.running.get(algorithm);
    if (!state || state.at > r.a) {
      state = { hash: createHash(algorithm), at: 0 };
      this.running.set(algorithm, state);
    }
    state.hash.update(this.bytes.subarray(state.at, r.a));
    state.at = r.a;
    return state.hash.copy().update(this.bytes.subarray(r.b, r.end)).digest();
  }
}

function checkSignature(bytes: Buffer, revisions: number[], f: Found, checkedAt: string, digester: RangeDigester): InspectedSignature {
  const { field, problems, messages } = f;
  const name = field.name;
  let coverage: Coverage = 'UNCLEAR';
  let digestMatches = false;
  let signatureValid = false;
  let level: SignatureLevel = f.subFilter === 'ETSI.CAdES.detached' ? 'B-B' : f.subFilter === 'ETSI.RFC3161' ? 'B-LTA' : 'PDF_NOT_ETSI';
  let signer: SignatureReport['signer'] = null;
  let timestamp: string | null = null;
  let r: CmsResult | undefined;

  if (f.ranges) {
    coverage = coverageOf(bytes, revisions, f.ranges.end);
    if (coverage === 'PARTIAL') problems.push(formatFailure(`field ${name}: the signed bytes end at ${f.ranges.end}, neither at the end of the file nor at the %%EOF of a revision; bytes outside the signature could be shown as signed`));
  }

  if (f.contents) {
    try {
      if (f.contents.every((byte) => byte === 0)) throw signedDataNotFound(`field ${name}: /Contents holds only zeros; the signature was never completed`);
      let cms: ParsedSignedData;
      try {
        cms = parseSignedData(f.contents, `the CMS of field ${name}`);
      } catch (err) {
        throw formatFailure(`field ${name}: /Contents is not a DER CMS SignedData followed only by zero padding (${err instanceof Error ? err.message : String(err)})`, err);
      }
      const check = f.subFilter === 'ETSI.RFC3161' ? checkDocumentTimestamp : checkCms;
      r = check(digester, f, cms);
      digestMatches = r.digestMatches;
      signatureValid = r.signatureValid;
      signer = r.signer;
      timestamp = r.timestamp;
      if (r.timestamp && level === 'B-B') level = 'B-T';
    } catch (err) {
      problems.push(asValidationError(err, name));
    }
  }

  problems.sort((x, y) => PRIORITY.indexOf(x.subIndication) - PRIORITY.indexOf(y.subIndication));
  const first = problems[0];
  const subIndication: SubIndication = first ? first.subIndication : 'NO_CERTIFICATE_CHAIN_FOUND';
  const indication = indicationOf(subIndication);
  const allMessages = [...problems.map((p) => p.message), ...messages];
  const report: SignatureReport = {
    field: name,
    subFilter: f.subFilter,
    level,
    indication,
    subIndication,
    integrity: { byteRange: f.byteRangeValid ? 'VALID' : 'INVALID', coverage, digestMatches, signatureValid },
    modifications: null,
    signer,
    time: { claimed: pdfDateToIso(field.signature?.signingTime), timestamp },
    revocation: { status: 'NOT_CHECKED', reason: null, meaning: null, meaningCode: null, source: null, checkedAt },
    messages: allMessages,
  };
  return {
    report,
    intact: problems.length === 0,
    ...(f.ranges ? { end: f.ranges.end } : {}),
    certificates: r?.certificates ?? [],
    ...(r?.signerCert ? { signerCert: r.signerCert } : {}),
    ...(r?.signatureTimestamp ? { signatureTimestamp: r.signatureTimestamp } : {}),
    ...(r?.signatureTimestampProblem ? { signatureTimestampProblem: r.signatureTimestampProblem } : {}),
    ...(r?.documentTimestamp ? { documentTimestamp: r.documentTimestamp } : {}),
  };
}

interface CmsResult {
  digestMatches: boolean;
  signatureValid: boolean;
  signer: SignatureReport['signer'];
  timestamp: string | null;
  certificates?: Buffer[];
  signerCert?: Cert;
  signatureTimestamp?: Timestamp;
  signatureTimestampProblem?: string;
  documentTimestamp?: Timestamp;
}

/** CAdES / PKCS#7 detached: SignerInfo count, content type, message-digest, signer, signing-certificate-v2, signature, algorithms. */
function checkCms(digester: RangeDigester, f: Found, cms: ParsedSignedData): CmsResult {
  const { problems, messages } = f;
  const name = f.field.name;
  let structureOk = true;
  const fail = (e: SignatureValidationError) => {
    problems.push(e);
    if (e.subIndication !== 'CRYPTO_CONSTRAINTS_FAILURE' && e.subIndication !== 'HASH_FAILURE') structureOk = false;
  };
  if (cms.signerInfoCount !== 1) fail(formatFailure(`field ${name}: the CMS has ${cms.signerInfoCount} SignerInfos; a PDF signature has exactly one`));
  if (cms.eContent) fail(formatFailure(`field ${name}: the CMS encapsulates content; a PDF signature is detached`));
  if (cms.contentType !== OID.data) fail(formatFailure(`field ${name}: the CMS content type is ${cms.contentType}, not id-data`));
  const si = cms.signerInfo;
  if (!si.signedAttrsDer) {
    fail(formatFailure(`field ${name}: the SignerInfo has no signed attributes`));
    return { digestMatches: false, signatureValid: false, signer: null, timestamp: null };
  }
  if (si.contentType !== OID.data) fail(formatFailure(`field ${name}: the content-type attribute is ${si.contentType ?? 'missing'}, not id-data`));

  // Algorithm policy.
  const digestHash = HASH_BY_OID[si.digestAlgorithm];
  const sigAlg = SIGNATURE_ALGORITHMS[si.signatureAlgorithm];
  const sigHash = sigAlg?.hash ?? digestHash;
  if (!digestHash || !STRONG_HASHES.has(digestHash)) fail(cryptoConstraintsFailure(`field ${name}: the digest algorithm ${digestHash ?? si.digestAlgorithm} is not allowed; SHA-256 or stronger is required`));
  if (!sigAlg || !sigHash) fail(cryptoConstraintsFailure(`field ${name}: the signature algorithm ${si.signatureAlgorithm} is not supported`));
  else if (!STRONG_HASHES.has(sigHash)) fail(cryptoConstraintsFailure(`field ${name}: the signature algorithm uses ${sigHash}; SHA-256 or stronger is required`));

  // message-digest against the ByteRange digest.
  let digestMatches = false;
  if (!si.messageDigest) fail(formatFailure(`field ${name}: the signed attributes have no message-digest`));
  else if (f.ranges && digestHash) {
    digestMatches = digester.digest(f.ranges, digestHash).equals(si.messageDigest);
    if (!digestMatches) fail(hashFailure(`field ${name}: the document bytes the signature covers have changed since signing (message-digest differs from the ${digestHash} of the ByteRange)`));
  }

  // The signer certificate, by the SignerInfo's identifier, from the certificates in the CMS.
  const cert = findSignerCertificate(si, cms.certificates);
  if (!cert) {
    fail(noSigningCertificate(`field ${name}: the CMS carries no certificate matching the SignerInfo's identifier`));
    return { digestMatches, signatureValid: false, signer: null, timestamp: null };
  }
  const signer = { subject: cert.x509.subject.split('\n').join(', '), serial: cert.serialHex, jpki: null };
  const details = cert.publicKey.asymmetricKeyDetails;
  if (cert.publicKey.asymmetricKeyType === 'rsa' && (details?.modulusLength ?? 0) < MIN_RSA_BITS) {
    fail(cryptoConstraintsFailure(`field ${name}: the signer's RSA key is ${details?.modulusLength ?? 'of unknown'} bits; ${MIN_RSA_BITS} or more is required`));
  }

  // signing-certificate-v2 must name this very certificate.
  const scv2 = si.signingCertificateV2?.certIds[0];
  if (!scv2) fail(formatFailure(`field ${name}: the signed attributes have no signing-certificate-v2`));
  else {
    const hashMatches = createHash(scv2.hash).update(cert.der).digest().equals(scv2.certHash);
    const serialMatches = !scv2.issuerSerial || scv2.issuerSerial.serialDer.equals(cert.serialDer);
    if (!hashMatches || !serialMatches) fail(noSigningCertificate(`field ${name}: signing-certificate-v2 names another certificate than the one the SignerInfo identifies`));
  }

  // The signature over the DER signed attributes.
  let cryptoOk = false;
  if (sigAlg && sigHash) {
    try {
      cryptoOk = sigAlg.pss
        ? cryptoVerify(sigHash, si.signedAttrsDer, { key: cert.publicKey, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: cryptoConstants.RSA_PSS_SALTLEN_AUTO }, si.signatureValue)
        : cryptoVerify(sigHash, si.signedAttrsDer, cert.publicKey, si.signatureValue);
    } catch (err) {
      messages.push(`field ${name}: the signature value could not be checked (${err instanceof Error ? err.message : String(err)})`);
    }
    if (!cryptoOk) fail(sigCryptoFailure(`field ${name}: the signature value does not verify with the signer's certificate over the signed attributes`));
  }

  // A signature timestamp (B-T): its imprint is over the signature value.
  let timestamp: string | null = null;
  let signatureTimestamp: Timestamp | undefined;
  let signatureTimestampProblem: string | undefined;
  const token = si.signatureTimestampTokens[0];
  if (token) {
    try {
      signatureTimestamp = verifyTimestampToken(token, { imprint: createHash('sha256').update(si.signatureValue).digest() });
      timestamp = signatureTimestamp.genTime.toISOString();
    } catch (err) {
      signatureTimestampProblem = `field ${name}: the signature timestamp is not usable (${err instanceof Error ? err.message : String(err)})`;
      messages.push(signatureTimestampProblem);
    }
  }
  return {
    digestMatches,
    signatureValid: cryptoOk && structureOk,
    signer,
    timestamp,
    certificates: cms.certificates,
    signerCert: cert,
    ...(signatureTimestamp ? { signatureTimestamp } : {}),
    ...(signatureTimestampProblem ? { signatureTimestampProblem } : {}),
  };
}

/** A document timestamp (ETSI.RFC3161): a TimeStampToken whose imprint is the ByteRange digest. */
function checkDocumentTimestamp(digester: RangeDigester, f: Found, cms: ParsedSignedData): CmsResult {
  const name = f.field.name;
  if (cms.signerInfoCount !== 1) throw formatFailure(`field ${name}: the timestamp token has ${cms.signerInfoCount} SignerInfos; it must have exactly one`);
  let ts: ReturnType<typeof verifyTimestampToken>;
  try {
    ts = verifyTimestampToken(f.contents!.subarray(0, cms.length));
  } catch (err) {
    throw sigCryptoFailure(`field ${name}: the document timestamp token does not verify (${err instanceof Error ? err.message : String(err)})`, err);
  }
  const digestMatches = f.ranges ? digester.digest(f.ranges, 'sha256').equals(ts.imprint) : false;
  if (f.ranges && !digestMatches) f.problems.push(hashFailure(`field ${name}: the document bytes the timestamp covers have changed (its imprint differs from the SHA-256 of the ByteRange)`));
  return { digestMatches, signatureValid: true, signer: null, timestamp: ts.genTime.toISOString(), certificates: ts.certificates, documentTimestamp: ts };
}

function asValidationError(err: unknown, field: string): SignatureValidationError {
  if (err instanceof SignatureValidationError) return err;
  if (err instanceof JitsuinError) return formatFailure(`field ${field}: ${err.message}`, err);
  // Anything else comes from bytes the readers did not expect: the signature cannot be read.
  return formatFailure(`field ${field}: the signature cannot be read (${err instanceof Error ? err.message : String(err)})`, err);
}

/** The document verdict: the worst of its signatures (TOTAL_FAILED, then INDETERMINATE). */
export function verdict(signatures: SignatureReport[]): DocumentReport {
  const signatureCount = signatures.length;
  if (signatureCount === 0) return { indication: 'NO_SIGNATURE_FOUND', subIndication: null, signatureCount };
  const worst = signatures.find((s) => s.indication === 'TOTAL_FAILED') ?? signatures.find((s) => s.indication === 'INDETERMINATE');
  return worst ? { indication: worst.indication, subIndication: worst.subIndication, signatureCount } : { indication: 'TOTAL_PASSED', subIndication: null, signatureCount };
}

/** "D:YYYYMMDDHHmmSS+hh'mm'" → ISO-8601, or null. */
export function pdfDateToIso(value: string | undefined): string | null {
  const m = value && /^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:([Zz+-])(\d{2})?'?(\d{2})?'?)?/.exec(value);
  if (!m) return null;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', tz, th = '00', tm = '00'] = m;
  const offset = !tz || tz === 'Z' || tz === 'z' ? 'Z' : `${tz}${th}:${tm}`;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${offset}`);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
