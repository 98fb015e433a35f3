import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { type Cert, type CertificateBytes, type Timestamp } from '@jitsuin/pades';
import { checkJpkiSigningCertificate, type ProfileCheck, readBasic4Facts, type RevocationReason, revocationMeaning } from '@jitsuin/jpki';
import { buildChain, type Chain, CertificateStore, keyUsageBits, readCertificates, subjectOf } from './chain.js';
import { readDss } from './dss.js';
import { SignatureValidationError, VerifyInputError } from './errors.js';
import { type InspectedPdf, type InspectedSignature, inspectPdf, type IntegrityOptions, verdict } from './integrity.js';
import { analyseModifications, type ModificationFinding, type ModificationOptions } from './modifications.js';
import type { JpkiFacts, RevocationReport, SignatureLevel, SignatureReport, SubIndication, VerificationReport } from './report.js';
import { defaultRevocationSources, dssRevocationSource, type RevocationEvidence, type RevocationSource, revocationStatusAt } from './revocation.js';

/**
 * Full PAdES validation (issue 4): on top of the integrity layer, for every signature, the chain
 * to a configured trust anchor, the signing certificate's profile (nonRepudiation for JPKI),
 * validity and revocation at the signature's best proof of existence (its timestamp, or a later
 * document timestamp, or else the validation time), the timestamps' own TSA chains, the level,
 * and the JPKI facts and revocation meaning. The outcome follows ETSI EN 319 102-1.
 */

export interface VerifyOptions extends IntegrityOptions, ModificationOptions {
  /** Trust anchors: DER, or PEM text holding one or more certificates (JPKI roots of every generation, seal CAs, TSAs). */
  trustAnchors?: CertificateBytes[];
  /** More certificates to build chains with (intermediates); never trusted by themselves. */
  certificates?: CertificateBytes[];
  /** Validate as at this time (default now). */
  at?: Date;
  /** Use only the revocation data embedded in the PDF (its DSS): no source is asked. */
  offline?: boolean;
  /**
   * Where revocation data comes from when not offline, asked in order (default: OCSP, then CRL,
   * from the URLs certificates name). The DSS is always asked last.
   */
  revocation?: RevocationSource[];
  /** Accept JPKI certificates of J-LIS' test hierarchy (試験用). Default false: production roots only. */
  allowJpkiTestHierarchy?: boolean;
  /** Revocation data without nextUpdate is taken as current for this long after its thisUpdate (default 24 h). */
  revocationMaxAgeMs?: number;
}

const DEFAULT_MAX_AGE_MS = 24 * 3_600_000;

/** The order in which one signature's problems decide its sub-indication (the worst first). */
const PRIORITY: SubIndication[] = [
  'FORMAT_FAILURE',
  'HASH_FAILURE',
  'SIG_CRYPTO_FAILURE',
  'MODIFICATIONS_NOT_ALLOWED',
  'REVOKED',
  'EXPIRED',
  'NOT_YET_VALID',
  'SIGNED_DATA_NOT_FOUND',
  'NO_SIGNING_CERTIFICATE_FOUND',
  'CRYPTO_CONSTRAINTS_FAILURE',
  'NO_CERTIFICATE_CHAIN_FOUND',
  'CHAIN_CONSTRAINTS_FAILURE',
  'REVOKED_NO_POE',
  'REVOKED_CA_NO_POE',
  'OUT_OF_BOUNDS_NO_POE',
  'SIG_CONSTRAINTS_FAILURE',
  'TRY_LATER',
];

const rank = (e: SignatureValidationError) => (e.indication === 'TOTAL_FAILED' ? 0 : 100) + PRIORITY.indexOf(e.subIndication);

const problem = (sub: SubIndication, message: string, indication?: 'TOTAL_FAILED' | 'INDETERMINATE') =>
  new SignatureValidationError(sub, message, indication ? { indication } : undefined);

const sec = (d: Date) => Math.floor(d.getTime() / 1000);
const iso = (d: Date) => d.toISOString();

/** A PDF's bytes, or the path of a PDF file. */
export type PdfInput = Uint8Array | string;

/**
 * Validates every signature of a PDF and gives the one report of issue 4. The library, the
 * verification service and the CLI all call this. Throws VerifyInputError (INVALID_ARGUMENT)
 * only for input that cannot be verified at all; every finding about a signature is in the report.
 */
export async function verifyPdf(input: PdfInput, options: VerifyOptions = {}): Promise<VerificationReport> {
  const bytes = typeof input === 'string' ? await readPdfFile(input, options.maxBytes) : input;
  const inspected = inspectPdf(bytes, options);
  const validationTime = options.at ?? new Date();
  const dss = readDss(inspected.doc);
  const dssSource = dssRevocationSource(dss);
  const ctx: Context = {
    anchors: new CertificateStore(readCertificates(options.trustAnchors ?? [], 'trust anchor')),
    pool: new CertificateStore(readCertificates(options.certificates ?? [], 'certificate')),
    sources: options.offline ? [dssSource] : [...(options.revocation ?? defaultRevocationSources()), dssSource],
    dssSource,
    validationTime,
    maxAgeMs: options.revocationMaxAgeMs ?? DEFAULT_MAX_AGE_MS,
    allowJpkiTest: options.allowJpkiTestHierarchy ?? false,
    offline: options.offline ?? false,
  };
  ctx.pool.addDer(dss.certs);
  for (const s of inspected.signatures) {
    ctx.pool.addDer(s.certificates);
    ctx.pool.addDer(s.signatureTimestamp?.certificates ?? []);
  }

  // Document timestamps first, newest first: each is a proof of existence for what it covers,
  // and the TSA of an older one is checked at the time of the newer one that covers it.
  const docTimestamps = inspected.signatures.filter((s) => s.documentTimestamp).sort((x, y) => (y.end ?? 0) - (x.end ?? 0));
  const validDocTimes: { end: number; genTime: Date }[] = [];
  for (const s of docTimestamps) {
    const control = poeFromDocTimestamps(validDocTimes, s.end) ?? validationTime;
    await validateDocumentTimestamp(ctx, s, control);
    if (s.report.indication === 'TOTAL_PASSED' && s.end !== undefined) validDocTimes.push({ end: s.end, genTime: s.documentTimestamp!.genTime });
  }
  for (const s of inspected.signatures) {
    if (!s.documentTimestamp) await validateSignature(ctx, s, poeFromDocTimestamps(validDocTimes, s.end));
  }

  // Last: a document timestamp stays a proof of existence for what it covers even when the
  // document was changed after it, so the changes judge each signature only now.
  const findings = modificationsAfter(inspected, options);
  const signatures = inspected.signatures.map((s, i) => {
    applyModifications(s.report, findings[i]);
    return s.report;
  });
  return { document: verdict(signatures), signatures };
}

/**
 * What changed after each signature (issue 4, item 4), in the signatures' order; undefined where
 * the signed bytes are not known (the ByteRange failed, and with it the signature).
 */
function modificationsAfter(inspected: InspectedPdf, options: ModificationOptions): (ModificationFinding | undefined)[] {
  const located = inspected.signatures.flatMap((s, i) => (s.end === undefined ? [] : [{ i, ref: { fieldName: s.report.field, signedRevisionEnd: s.end } }]));
  const out: (ModificationFinding | undefined)[] = inspected.signatures.map(() => undefined);
  if (located.length === 0) return out;
  let findings: ModificationFinding[];
  try {
    findings = analyseModifications(inspected.bytes, located.map((l) => l.ref), options);
  } catch (err) {
    if (err instanceof VerifyInputError) throw err;
    // Changes that cannot be analysed cannot be shown to be allowed.
    const message = `what changed after signing cannot be analysed (${err instanceof Error ? err.message : String(err)})`;
    findings = located.map((l) => ({ fieldName: l.ref.fieldName, modifications: 'OTHER', permitted: false, permissions: null, signedRevision: null, laterRevisions: 0, changes: [], messages: [message], violations: [message] }));
  }
  located.forEach((l, k) => (out[l.i] = findings[k]));
  return out;
}

/**
 * The finding into the report: the class of change, what changed (in messages), and for a change
 * that is not allowed TOTAL_FAILED / MODIFICATIONS_NOT_ALLOWED, unless a worse problem decided already.
 */
function applyModifications(r: SignatureReport, finding: ModificationFinding | undefined): void {
  if (!finding) return;
  r.modifications = finding.modifications;
  const changed = (m: string) => `field ${r.field}: changed after signing: ${m}`;
  if (finding.permitted) {
    r.messages.push(...finding.messages.map(changed));
    return;
  }
  // A change and the reason it is not allowed are one violation: said once, in the problem's message.
  const said = (m: string) => finding.violations.some((v) => v === m || v.startsWith(`${m} (`) || v.endsWith(`(${m.replace(/^revision \d+: /, '')})`));
  const p = problem(
    'MODIFICATIONS_NOT_ALLOWED',
    `field ${r.field}: the document was changed after this signature in a way that is not allowed (${finding.modifications}): ${finding.violations.join('; ')}`,
  );
  const decided = r.subIndication && r.indication !== 'TOTAL_PASSED' ? problem(r.subIndication, '', r.indication === 'TOTAL_FAILED' ? 'TOTAL_FAILED' : 'INDETERMINATE') : undefined;
  if (!decided || rank(p) < rank(decided)) {
    r.indication = p.indication;
    r.subIndication = p.subIndication;
    r.messages.unshift(p.message);
  } else {
    r.messages.push(p.message);
  }
  // The other changes after it; the disallowed ones are in the message above already.
  r.messages.push(...finding.messages.filter((m) => !said(m)).map(changed));
}

async function readPdfFile(path: string, maxBytes = 512 * 1024 * 1024): Promise<Buffer> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new VerifyInputError(`${path} is not a file`);
    size = st.size;
  } catch (err) {
    if (err instanceof VerifyInputError) throw err;
    throw new VerifyInputError(`${path} cannot be read (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  if (size > maxBytes) throw new VerifyInputError(`${path} is ${size} bytes; more than ${maxBytes} is refused`);
  return readFile(path);
}

interface Context {
  anchors: CertificateStore;
  pool: CertificateStore;
  sources: RevocationSource[];
  dssSource: RevocationSource;
  validationTime: Date;
  maxAgeMs: number;
  allowJpkiTest: boolean;
  offline: boolean;
}

/** The earliest genTime of a valid document timestamp whose signed bytes include `end` (the signature's revision). */
function poeFromDocTimestamps(valid: { end: number; genTime: Date }[], end: number | undefined): Date | undefined {
  if (end === undefined) return undefined;
  const covering = valid.filter((t) => t.end > end).map((t) => t.genTime);
  return covering.length === 0 ? undefined : new Date(Math.min(...covering.map((d) => d.getTime())));
}

// ---------------------------------------------------------------------------------------------
// Certificates

interface CertStatus {
  evidence?: RevocationEvidence;
  problems: SignatureValidationError[];
  messages: string[];
}

/**
 * The revocation status of `cert` at `at` from the sources in order (revocationStatusAt): the first
 * answer that tells it wins (a revocation always does). Nothing that tells it: TRY_LATER, never passed.
 */
async function revocationAt(ctx: Context, cert: Cert, issuer: Cert, at: Date, who: string): Promise<CertStatus> {
  const answer = await revocationStatusAt(ctx.sources, { cert, issuer }, { at, validationTime: ctx.validationTime, maxAgeMs: ctx.maxAgeMs, who });
  const { evidence, unusable, messages } = answer;
  if (evidence) return { evidence, problems: [], messages };
  const none = ctx.sources.length === 0 || (messages.length === 0 && !unusable);
  const why = none ? (ctx.offline ? 'the document embeds no revocation data for it and validation is offline' : 'no revocation source has data for it') : 'no fresh revocation data could be obtained';
  return {
    ...(unusable ? { evidence: unusable } : {}),
    problems: [problem('TRY_LATER', `${who}: its revocation status at ${iso(at)} is not known: ${why}; try again later or with other revocation sources`)],
    messages,
  };
}

const isJpkiRoot = (anchor: Cert) => /(^|\n)O=JPKI(\n|$)/.test(anchor.x509.subject);

/**
 * The chain of `cert` to a trust anchor, each certificate valid at `at`, and each non-anchor's
 * revocation status at `at`. `role` says what a revoked or expired certificate means.
 */
async function checkCertificate(
  ctx: Context,
  cert: Cert,
  at: Date,
  who: string,
): Promise<{ chain?: Chain; status?: CertStatus; problems: SignatureValidationError[]; messages: string[] }> {
  const problems: SignatureValidationError[] = [];
  const messages: string[] = [];
  const chain = buildChain(cert, ctx.anchors, ctx.pool);
  if (!chain) {
    const why = ctx.anchors.size === 0 ? 'no trust anchors are configured' : 'none of its issuers (chosen by key identifier and signature, not by name) leads to a configured trust anchor';
    problems.push(problem('NO_CERTIFICATE_CHAIN_FOUND', `${who} ${subjectOf(cert)} (serial ${cert.serialHex}): ${why}`));
    return { problems, messages };
  }
  let leafStatus: CertStatus | undefined;
  for (let i = 0; i < chain.certs.length - 1; i++) {
    const c = chain.certs[i]!;
    const name = i === 0 ? who : `the CA certificate ${subjectOf(c)} in the chain of ${who}`;
    const from = new Date(c.x509.validFrom);
    const to = new Date(c.x509.validTo);
    if (at < from) problems.push(problem('NOT_YET_VALID', `${name} is valid only from ${iso(from)}, after ${iso(at)}`));
    if (at > to) problems.push(problem('OUT_OF_BOUNDS_NO_POE', `${name} expired on ${iso(to)}, and nothing proves the signature existed before that (best proof of existence: ${iso(at)})`));
    const status = await revocationAt(ctx, c, chain.certs[i + 1]!, at, name);
    messages.push(...status.messages);
    problems.push(...status.problems);
    const e = status.evidence;
    if (e?.status === 'revoked' && e.revokedAt) {
      if (e.revokedAt <= at) {
        problems.push(problem(i === 0 ? 'REVOKED_NO_POE' : 'REVOKED_CA_NO_POE', `${name} was revoked on ${iso(e.revokedAt)}${e.reason ? ` (${e.reason})` : ''}, and nothing proves the signature existed before that (${e.origin})`));
      } else {
        messages.push(`${name} was revoked on ${iso(e.revokedAt)}${e.reason ? ` (${e.reason})` : ''}, after the signature's proof of existence at ${iso(at)}: it was valid then`);
      }
    }
    if (i === 0) leafStatus = status;
  }
  return { chain, ...(leafStatus ? { status: leafStatus } : {}), problems, messages };
}

// ---------------------------------------------------------------------------------------------
// Timestamps

/** A timestamp's TSA certificate: chain to a trust anchor, valid and not revoked at `control`. */
async function checkTsa(ctx: Context, ts: Timestamp, control: Date, what: string) {
  ctx.pool.addDer(ts.certificates);
  const tsa = readCertificates([ts.tsaCertificate], 'the TSA certificate')[0]!;
  return { tsa, ...(await checkCertificate(ctx, tsa, control, `the TSA certificate of ${what}`)) };
}

async function validateDocumentTimestamp(ctx: Context, s: InspectedSignature, control: Date): Promise<void> {
  const r = s.report;
  if (!s.intact) return;
  const ts = s.documentTimestamp!;
  const checked = await checkTsa(ctx, ts, control, `document timestamp ${r.field}`);
  r.signer = { subject: subjectOf(checked.tsa), serial: checked.tsa.serialHex, jpki: null };
  r.revocation = revocationReport(checked.status, false, r.revocation.checkedAt);
  finish(r, checked.problems, checked.messages);
}

// ---------------------------------------------------------------------------------------------
// Signatures

async function validateSignature(ctx: Context, s: InspectedSignature, docPoe: Date | undefined): Promise<void> {
  const r = s.report;
  const cert = s.signerCert;
  const jpkiFacts = cert ? factsOf(cert) : null;
  if (r.signer && jpkiFacts) r.signer.jpki = jpkiFacts;
  if (!s.intact || !cert) return;

  const problems: SignatureValidationError[] = [];
  const messages: string[] = [];
  const claimed = r.time.claimed ? new Date(r.time.claimed) : undefined;

  // Time: the signature timestamp is the best proof of existence; else a later document timestamp.
  let best = docPoe ?? ctx.validationTime;
  let timestamped = false;
  if (s.signatureTimestamp) {
    const ts = s.signatureTimestamp;
    const tsa = await checkTsa(ctx, ts, docPoe ?? ctx.validationTime, `the signature timestamp of ${r.field}`);
    messages.push(...tsa.messages);
    if (tsa.problems.length === 0) {
      best = ts.genTime < best ? ts.genTime : best;
      timestamped = true;
    } else {
      const first = [...tsa.problems].sort((x, y) => rank(x) - rank(y))[0]!;
      // A TSA whose status cannot be had now may be fine later; any other fault makes the timestamp unacceptable.
      const sub: SubIndication = first.subIndication === 'TRY_LATER' ? 'TRY_LATER' : 'SIG_CONSTRAINTS_FAILURE';
      problems.push(problem(sub, `field ${r.field}: the signature timestamp is not accepted as a proof of existence: ${tsa.problems.map((p) => p.message).join('; ')}`));
    }
    if (claimed && sec(claimed) > sec(ts.genTime) + 1) messages.push(`field ${r.field}: the claimed signing time ${iso(claimed)} is after the signature timestamp ${iso(ts.genTime)}`);
  } else if (s.signatureTimestampProblem) {
    problems.push(problem('SIG_CONSTRAINTS_FAILURE', s.signatureTimestampProblem));
  }

  const who = `the signer's certificate of field ${r.field}`;
  const checked = await checkCertificate(ctx, cert, best, who);
  messages.push(...checked.messages);
  problems.push(...checked.problems);

  // A signature that claims a time after its certificate's revocation or expiry was made then: it fails outright.
  const e = checked.status?.evidence;
  if (claimed && e?.status === 'revoked' && e.revokedAt && e.revokedAt <= best && e.revokedAt <= claimed) {
    problems.push(problem('REVOKED', `field ${r.field}: the signature claims to be made on ${iso(claimed)}, after its certificate was revoked on ${iso(e.revokedAt)}${e.reason ? ` (${e.reason})` : ''}`));
  }
  const notAfter = new Date(cert.x509.validTo);
  if (claimed && best > notAfter && claimed > notAfter) {
    problems.push(problem('EXPIRED', `field ${r.field}: the signature claims to be made on ${iso(claimed)}, after its certificate expired on ${iso(notAfter)}`, 'TOTAL_FAILED'));
  }

  const isJpki = jpkiFacts !== null || (checked.chain ? isJpkiRoot(checked.chain.anchor) : false);
  if (checked.chain) problems.push(...profileProblems(ctx, cert, isJpki, r.field));

  r.revocation = revocationReport(checked.status, isJpki, r.revocation.checkedAt);
  r.level = await levelOf(ctx, s, r.level, timestamped, docPoe !== undefined, checked.chain);
  finish(r, problems, messages);
}

/**
 * checkJpkiSigningCertificate, remembered per certificate: the same certificates come back (a
 * bank's seal on every contract, a person signing several documents) in the long-running
 * service. The check walks the DER (a fraction of a millisecond; it used pkijs, 2.5 ms warm and
 * about 50 ms for the first certificate of a process). Bounded, oldest out first.
 */
const profileCache = new Map<string, ProfileCheck>();
const PROFILE_CACHE_SIZE = 512;

function jpkiProfile(der: Buffer, allowTestHierarchy: boolean): ProfileCheck {
  const key = `${allowTestHierarchy ? 't' : 'p'}${createHash('sha256').update(der).digest('base64')}`;
  let check = profileCache.get(key);
  if (!check) {
    check = checkJpkiSigningCertificate(der, { allowTestHierarchy });
    if (profileCache.size >= PROFILE_CACHE_SIZE) profileCache.delete(profileCache.keys().next().value!);
    profileCache.set(key, check);
  }
  return check;
}

/** Key usage: JPKI signing certificates by the JPKI profile (nonRepudiation, policy, facts); others need a signing key usage. */
function profileProblems(ctx: Context, cert: Cert, isJpki: boolean, field: string): SignatureValidationError[] {
  if (isJpki) {
    const check = jpkiProfile(cert.der, ctx.allowJpkiTest);
    return check.problems.map((p) => problem('CHAIN_CONSTRAINTS_FAILURE', `field ${field}: the signer's certificate is not a JPKI signing certificate fit for signing: ${p.message}`));
  }
  const bits = keyUsageBits(cert);
  if (bits && !bits.has(0) && !bits.has(1)) {
    return [problem('CHAIN_CONSTRAINTS_FAILURE', `field ${field}: the signer's certificate's keyUsage allows neither digitalSignature nor nonRepudiation`)];
  }
  return [];
}

function factsOf(cert: Cert): JpkiFacts | null {
  try {
    const f = readBasic4Facts(cert.der);
    if (!f) return null;
    return {
      name: f.name,
      address: f.address,
      dateOfBirth: f.dateOfBirth,
      gender: f.gender,
      ...(f.nameFlags?.includes('1') ? { nameFlags: f.nameFlags } : {}),
      ...(f.addressFlags?.includes('1') ? { addressFlags: f.addressFlags } : {}),
    };
  } catch {
    // Malformed facts are reported by the profile check.
    return null;
  }
}

/**
 * B-B, B-T (a timestamp accepted), B-LT (and the DSS holds revocation data for the signer), B-LTA
 * (and a valid document timestamp covers it). PDF_NOT_ETSI stays.
 */
async function levelOf(ctx: Context, s: InspectedSignature, level: SignatureLevel, timestamped: boolean, covered: boolean, chain: Chain | undefined): Promise<SignatureLevel> {
  if (level === 'PDF_NOT_ETSI' || !s.signatureTimestamp) return level;
  if (!timestamped || !chain || chain.certs.length < 2) return 'B-T';
  let inDss = false;
  try {
    inDss = (await ctx.dssSource.check({ cert: chain.certs[0]!, issuer: chain.certs[1]! })) !== undefined;
  } catch {
    inDss = false;
  }
  if (!inDss) return 'B-T';
  return covered ? 'B-LTA' : 'B-LT';
}

/** The signer's revocation as the report shows it; the JPKI meaning for JPKI certificates. NOT_CHECKED when no chain was found to ask about. */
function revocationReport(checked: CertStatus | undefined, jpki: boolean, checkedAt: string): RevocationReport {
  const e = checked?.evidence;
  if (!e) return { status: checked ? 'UNKNOWN' : 'NOT_CHECKED', reason: null, meaning: null, meaningCode: null, source: null, checkedAt };
  const status = e.status === 'good' ? 'GOOD' : e.status === 'revoked' ? 'REVOKED' : 'UNKNOWN';
  const reason: RevocationReason | undefined = e.status === 'revoked' ? (e.reason ?? 'unspecified') : undefined;
  const meaning = jpki && e.status !== 'unknown' ? revocationMeaning({ signing: { status: e.status, ...(reason ? { reason } : {}) }, ...(e.auth ? { auth: e.auth } : {}) }) : undefined;
  return { status, reason: reason ?? null, meaning: meaning?.en ?? null, meaningCode: meaning?.code ?? null, source: e.source, checkedAt };
}

/** The signature's indication from its problems (the worst first), messages after. */
function finish(r: SignatureReport, problems: SignatureValidationError[], messages: string[]): void {
  problems.sort((x, y) => rank(x) - rank(y));
  const first = problems[0];
  r.indication = first ? first.indication : 'TOTAL_PASSED';
  r.subIndication = first ? first.subIndication : null;
  r.messages.push(...problems.map((p) => p.message), ...messages);
}
