import { createHash } from 'node:crypto';
import { type CertificateBytes, parseCert } from '@jitsuin/pades';
import { readCertificates, type VerificationReport, verifyPdf } from '@jitsuin/verify';
import { checkEventLog } from './event-chain.js';
import { EVIDENCE_FORMAT, finalPdfPath, type Manifest, PATHS, REVISIONS_FORMAT, type RevisionsFile } from './layout.js';
import { checkSeal } from './seal.js';
import { DEFAULT_ZIP_LIMITS, UnreadableZipError, type ZipLimits, ZipReader } from './zip.js';

/**
 * Checks an evidence package offline, without trusting the platform that made it: every file
 * against the sealed manifest, the seal against the auditor's trust anchors, the event log's
 * hash chain, revisions.json against the final PDFs (each earlier revision is a prefix of its
 * final PDF), every PDF re-verified from its own DSS, the reports against the verdicts. Each
 * finding names the file (and the entry or revision) it is about.
 */

export type CheckStatus = 'ok' | 'fail' | 'warn';

export interface EvidenceCheck {
  status: CheckStatus;
  /** The file (or file and entry) the finding is about. */
  subject: string;
  message: string;
}

export interface EvidenceResult {
  checks: EvidenceCheck[];
  /** No check failed. */
  ok: boolean;
  manifest?: Manifest;
}

/** Input that is not an evidence package at all (not a ZIP, no manifest, over the limits). */
export class UnusableEvidenceError extends Error {
  override name = 'UnusableEvidenceError';
}

export interface CheckOptions {
  /** The auditor's trust anchors (DER or PEM): for the seal and for the PDFs' signatures. */
  trustAnchors?: CertificateBytes[];
  /** Accept JPKI certificates of the test hierarchy (test PKI). */
  allowJpkiTestHierarchy?: boolean;
  /** Validate the PDFs as at this time (default now). */
  at?: Date;
  limits?: ZipLimits;
  /** The largest JSON file read (manifest, revisions, event log, reports). Default 64 MiB. */
  maxJsonBytes?: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const HEX64 = /^[0-9a-f]{64}$/;
const short = (hex: string) => `${hex.slice(0, 16)}…`;
const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

function manifestProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'is not a JSON object';
  if (value.format !== EVIDENCE_FORMAT) return `is not of format ${EVIDENCE_FORMAT}`;
  if (typeof value.contractId !== 'string' || typeof value.tenantId !== 'string' || typeof value.createdAt !== 'string') return 'lacks its contract, tenant or time';
  const log = value.eventLog;
  if (!isObject(log) || typeof log.file !== 'string' || typeof log.head !== 'string' || typeof log.entries !== 'number') return 'lacks the event log\'s head';
  if (!isObject(value.seal) || !Array.isArray(value.seal.certificates) || !value.seal.certificates.every((c) => typeof c === 'string')) return 'lacks the seal\'s certificates';
  if (!isObject(value.files)) return 'lacks its list of files';
  for (const [path, f] of Object.entries(value.files)) {
    if (!isObject(f) || typeof f.sha256 !== 'string' || !HEX64.test(f.sha256) || typeof f.size !== 'number') return `has no SHA-256 and size for ${path}`;
  }
  return undefined;
}

export async function checkEvidence(input: string | Buffer, options: CheckOptions = {}): Promise<EvidenceResult> {
  const limits = options.limits ?? DEFAULT_ZIP_LIMITS;
  const maxJson = options.maxJsonBytes ?? 64 * 1024 * 1024;
  const checks: EvidenceCheck[] = [];
  const ok = (subject: string, message: string) => checks.push({ status: 'ok', subject, message });
  const fail = (subject: string, message: string) => checks.push({ status: 'fail', subject, message });
  const warn = (subject: string, message: string) => checks.push({ status: 'warn', subject, message });
  const anchors = readCertificates(options.trustAnchors ?? [], 'trust anchor');

  let zip: ZipReader;
  try {
    zip = await ZipReader.open(input, limits);
  } catch (err) {
    if (err instanceof UnreadableZipError) throw new UnusableEvidenceError(err.message);
    throw err;
  }
  const result = (manifest?: Manifest): EvidenceResult => ({ checks, ok: checks.every((c) => c.status !== 'fail'), ...(manifest ? { manifest } : {}) });
  try {
    if (!zip.has(PATHS.manifest)) throw new UnusableEvidenceError(`the archive has no ${PATHS.manifest}: it is not a Jitsuin evidence package`);
    ok('archive', `a ZIP of ${zip.names.length} files`);
    for (const name of zip.duplicates) fail(name, 'is in the archive more than once (which copy a reader takes is not defined)');

    /** A JSON file, or undefined after saying why not. */
    const readJson = async (path: string): Promise<{ bytes: Buffer; value: unknown } | undefined> => {
      if (!zip.has(path)) {
        fail(path, 'is missing from the archive');
        return undefined;
      }
      let bytes: Buffer;
      try {
        bytes = await zip.read(path, maxJson);
      } catch (err) {
        fail(path, `cannot be read: ${errorText(err)}`);
        return undefined;
      }
      try {
        return { bytes, value: JSON.parse(bytes.toString('utf8')) as unknown };
      } catch {
        fail(path, 'is not valid JSON (it was changed)');
        return { bytes, value: undefined };
      }
    };

    // The manifest and its seal.
    const manifestFile = await readJson(PATHS.manifest);
    if (!manifestFile) return result();
    const problem = manifestProblem(manifestFile.value);
    const manifest = problem ? undefined : (manifestFile.value as Manifest);
    if (problem && manifestFile.value !== undefined) fail(PATHS.manifest, `${problem} (it was changed, or is not a ${EVIDENCE_FORMAT} manifest)`);
    const madeAt = manifest && !Number.isNaN(Date.parse(manifest.createdAt)) ? new Date(manifest.createdAt) : new Date();

    if (!zip.has(PATHS.seal)) {
      fail(PATHS.seal, 'is missing: nothing seals the manifest');
    } else {
      let p7s: Buffer | undefined;
      try {
        p7s = await zip.read(PATHS.seal, 1024 * 1024);
      } catch (err) {
        fail(PATHS.seal, `cannot be read: ${errorText(err)}`);
      }
      if (p7s) {
        const s = checkSeal(manifestFile.bytes, p7s, { trustAnchors: anchors, at: madeAt, ...(manifest ? { certificates: manifest.seal.certificates } : {}) });
        if (s.signatureValid && s.trusted) ok(PATHS.seal, `the platform's seal over ${PATHS.manifest} is valid: sealed by ${s.signer}, trusted through ${s.anchor}`);
        else fail(PATHS.seal, `the platform's seal ${s.problems.join('; ')}${s.signatureValid ? ` (the signature itself is valid, by ${s.signer})` : ''}`);
      }
    }
    if (!manifest) return result();
    ok(PATHS.manifest, `lists ${Object.keys(manifest.files).length} files of contract ${manifest.contractId} (tenant ${manifest.tenantId}), made ${manifest.createdAt}`);

    // Every file against the manifest, and nothing more.
    const listed = new Set(Object.keys(manifest.files));
    for (const [path, expected] of Object.entries(manifest.files)) {
      if (path === PATHS.manifest || path === PATHS.seal) {
        fail(PATHS.manifest, `lists ${path}, which it cannot cover`);
        continue;
      }
      if (!zip.has(path)) {
        fail(path, 'is missing: the manifest lists it, the archive does not hold it (removed)');
        continue;
      }
      try {
        const got = await zip.digest(path);
        if (got.sha256 === expected.sha256 && got.size === expected.size) ok(path, `SHA-256 ${short(got.sha256)} and size ${got.size} as in the manifest`);
        else fail(path, `was changed: its SHA-256 is ${short(got.sha256)} (${got.size} bytes), the manifest says ${short(expected.sha256)} (${expected.size} bytes)`);
      } catch (err) {
        fail(path, `cannot be read (damaged or changed): ${errorText(err)}`);
      }
    }
    for (const name of zip.names) {
      if (name !== PATHS.manifest && name !== PATHS.seal && !listed.has(name)) fail(name, 'is not listed in the manifest: it was added to the package');
    }

    // The event log's hash chain, and its head as the sealed manifest gives it.
    const log = await readJson(manifest.eventLog.file);
    if (log?.value !== undefined) {
      const chain = checkEventLog(log.value, { contractId: manifest.contractId, tenantId: manifest.tenantId });
      for (const p of chain.problems) {
        const where = p.index === 0 ? manifest.eventLog.file : `${manifest.eventLog.file} entry ${p.index}${p.seq !== undefined ? ` (seq ${String(p.seq)}${typeof p.eventId === 'string' ? `, event ${p.eventId}` : ''})` : ''}`;
        fail(where, p.problem);
      }
      if (chain.head !== manifest.eventLog.head || chain.entries !== manifest.eventLog.entries) {
        fail(manifest.eventLog.file, `ends in ${short(chain.head)} after ${chain.entries} entries; the sealed manifest says ${short(manifest.eventLog.head)} after ${manifest.eventLog.entries}`);
      } else if (chain.problems.length === 0) {
        const kinds = Object.entries(chain.types).map(([t, n]) => `${t} ×${n}`).join(', ');
        ok(manifest.eventLog.file, `${chain.entries} events, the hash chain is intact, its head ${short(chain.head)} is the sealed one (${kinds || 'no events'})`);
      }
    }

    // revisions.json against the final PDFs; the reports; every PDF verified again.
    const revisionsFile = await readJson(PATHS.revisions);
    const revisions = revisionsFile?.value as RevisionsFile | undefined;
    const described = new Set<string>();
    if (revisionsFile?.value !== undefined) {
      if (!isObject(revisions) || revisions.format !== REVISIONS_FORMAT || !Array.isArray(revisions.documents)) {
        fail(PATHS.revisions, `is not a ${REVISIONS_FORMAT} file`);
      } else {
        if (revisions.contractId !== manifest.contractId) fail(PATHS.revisions, `is about contract ${String(revisions.contractId)}, the manifest about ${manifest.contractId}`);
        for (const doc of revisions.documents) {
          await checkDocument(doc, { zip, ok, fail, warn, described, anchors: options.trustAnchors ?? [], allowTest: options.allowJpkiTestHierarchy ?? false, at: options.at, maxJson, maxPdf: limits.maxEntryBytes });
        }
      }
    }
    for (const path of listed) {
      if (/^documents\/[^/]+\/final\.pdf$/.test(path) && !described.has(path)) fail(path, `is not described in ${PATHS.revisions}`);
    }

    // Certificates and revocation data.
    const counts = { cert: 0, crl: 0, ocsp: 0 };
    for (const path of listed) {
      if (path.startsWith('validation/certificates/')) {
        counts.cert++;
        try {
          parseCert(await zip.read(path, 1024 * 1024), path);
        } catch (err) {
          fail(path, `is not a certificate: ${errorText(err)}`);
        }
      } else if (path.startsWith('validation/crls/')) counts.crl++;
      else if (path.startsWith('validation/ocsp/')) counts.ocsp++;
    }
    ok('validation/', `${counts.cert} certificates, ${counts.crl} CRLs, ${counts.ocsp} OCSP responses from the final PDFs' DSS`);
    return result(manifest);
  } finally {
    zip.close();
  }
}

interface DocumentContext {
  zip: ZipReader;
  ok: (subject: string, message: string) => void;
  fail: (subject: string, message: string) => void;
  warn: (subject: string, message: string) => void;
  described: Set<string>;
  anchors: CertificateBytes[];
  allowTest: boolean;
  at: Date | undefined;
  maxJson: number;
  maxPdf: number;
}

async function checkDocument(doc: unknown, c: DocumentContext): Promise<void> {
  const { zip, ok, fail } = c;
  if (!isObject(doc) || typeof doc.documentId !== 'string' || !Array.isArray(doc.revisions) || doc.revisions.length === 0) {
    fail(PATHS.revisions, 'describes a document without its id or revisions');
    return;
  }
  const subject = `${PATHS.revisions} document ${doc.documentId}`;
  const pdfPath = finalPdfPath(doc.documentId);
  c.described.add(pdfPath);
  if (doc.finalPdf !== pdfPath) fail(subject, `names ${String(doc.finalPdf)} as its final PDF, not ${pdfPath}`);
  const revs = doc.revisions as Record<string, unknown>[];
  const head = revs[revs.length - 1]!;
  const chainProblems: string[] = [];
  revs.forEach((r, i) => {
    if (!isObject(r) || typeof r.id !== 'string' || typeof r.sha256 !== 'string' || typeof r.size !== 'number') {
      chainProblems.push(`revision ${i + 1} lacks its id, SHA-256 or size`);
      return;
    }
    const parent = i === 0 ? null : revs[i - 1]!.id;
    if ((r.parentId ?? null) !== parent) chainProblems.push(`revision ${r.id} names parent ${String(r.parentId)}, not ${String(parent)}`);
    if (i > 0 && !(r.size > (revs[i - 1]!.size as number))) chainProblems.push(`revision ${r.id} is not larger than its parent`);
  });
  if (head.id !== doc.headRevisionId) chainProblems.push(`the last revision is ${String(head.id)}, the head is ${String(doc.headRevisionId)}`);
  for (const p of chainProblems) fail(subject, p);

  if (!zip.has(pdfPath)) {
    fail(pdfPath, 'is missing: the final PDF of a document in revisions.json');
    return;
  }
  let pdf: Buffer;
  try {
    pdf = await zip.read(pdfPath, c.maxPdf);
  } catch (err) {
    fail(pdfPath, `cannot be read: ${errorText(err)}`);
    return;
  }
  const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
  const finalSha = sha(pdf);
  if (finalSha !== head.sha256 || pdf.length !== head.size) {
    fail(subject, `says the final revision ${String(head.id)} has SHA-256 ${short(String(head.sha256))} (${String(head.size)} bytes); ${pdfPath} has ${short(finalSha)} (${pdf.length} bytes)`);
  } else {
    ok(subject, `final revision ${String(head.id)}: SHA-256 and size of ${pdfPath}`);
  }
  // Every earlier revision is the final PDF cut at its size (incremental updates).
  let prefixesOk = true;
  for (const r of revs.slice(0, -1)) {
    if (typeof r.size !== 'number' || r.size > pdf.length || sha(pdf.subarray(0, r.size)) !== r.sha256) {
      prefixesOk = false;
      fail(`${subject} revision ${String(r.id)}`, `its SHA-256 ${short(String(r.sha256))} (${String(r.size)} bytes) is not that of the first ${String(r.size)} bytes of ${pdfPath}`);
    }
  }
  if (prefixesOk && revs.length > 1) ok(subject, `${revs.length - 1} earlier revisions: each SHA-256 is that of the final PDF's first bytes up to its size`);

  // The report on the head revision.
  const verdict = isObject(head.verification) ? head.verification : undefined;
  const report = isObject(doc.report) ? doc.report : undefined;
  if (!report) {
    c.warn(subject, 'has no verification report in the package (the verification service had none)');
  } else {
    const reportJson = typeof report.json === 'string' ? report.json : '';
    if (typeof report.html !== 'string' || !zip.has(report.html)) fail(subject, `names a report page ${String(report.html)} the archive does not hold`);
    if (!zip.has(reportJson)) {
      fail(subject, `names a report ${reportJson} the archive does not hold`);
    } else {
      try {
        const parsed = JSON.parse((await zip.read(reportJson, c.maxJson)).toString('utf8')) as VerificationReport;
        const indication = parsed.document.indication;
        if (indication !== report.indication) fail(reportJson, `says ${indication}; ${PATHS.revisions} says ${String(report.indication)}`);
        else if (report.revisionId === head.id && verdict && verdict.indication !== indication) fail(reportJson, `says ${indication}; the recorded verdict on revision ${String(head.id)} is ${String(verdict.indication)}`);
        else ok(reportJson, `the verification service's report: ${indication}, ${parsed.document.signatureCount} signatures${report.revisionId === head.id ? '' : ` (on revision ${String(report.revisionId)})`}`);
      } catch (err) {
        fail(reportJson, `is not a readable report: ${errorText(err)}`);
      }
    }
  }

  // The PDF verified again here, from its own DSS.
  try {
    const r = await verifyPdf(pdf, { trustAnchors: c.anchors, offline: true, allowJpkiTestHierarchy: c.allowTest, ...(c.at ? { at: c.at } : {}) });
    const signatures = `${r.document.signatureCount} signature${r.document.signatureCount === 1 ? '' : 's'}`;
    if (r.document.indication === 'TOTAL_PASSED') {
      ok(pdfPath, `verified again offline (from its DSS): TOTAL_PASSED, ${signatures} (${r.signatures.map((s) => s.level).join(', ')})`);
    } else {
      const why = r.signatures.filter((s) => s.indication !== 'TOTAL_PASSED').map((s) => `${s.field}: ${s.indication}${s.subIndication ? `/${s.subIndication}` : ''}${s.messages[0] ? ` (${s.messages[0]})` : ''}`);
      fail(pdfPath, `verified again offline (from its DSS): ${r.document.indication}${r.document.subIndication ? `/${r.document.subIndication}` : ''}, ${signatures}${why.length ? `; ${why.join('; ')}` : ''}`);
    }
  } catch (err) {
    fail(pdfPath, `cannot be verified: ${errorText(err)}`);
  }
}
