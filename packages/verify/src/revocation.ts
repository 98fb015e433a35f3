import { type Cert, type CertificateBytes, checkCrl, checkOcspResponse, crlUrls, httpRevocationFetchers, LIMITS, ocspUrls, parseCert } from '@jitsuin/pades';
import { type CertState, type RevocationReason, revocationReasonFromCode } from '@jitsuin/jpki';
import type { RevocationSourceKind } from './report.js';

/**
 * Where revocation data comes from. The library does no network I/O of its own: every OCSP and
 * CRL request goes through a RevocationSource the caller gives (or the defaults here, which are
 * bounded in time and size and cache each answer until its nextUpdate). A source answers what
 * its data says; whether that is fresh enough for the time in question is the validator's call.
 */

export interface RevocationQuery {
  cert: Cert;
  /** The certificate that issued `cert` (chosen by key identifier and signature). */
  issuer: Cert;
}

export interface RevocationEvidence {
  source: RevocationSourceKind;
  kind: 'ocsp' | 'crl';
  status: 'good' | 'revoked' | 'unknown';
  revokedAt?: Date;
  reason?: RevocationReason;
  thisUpdate: Date;
  nextUpdate?: Date;
  /** Where it came from (a URL, or "the document's DSS"), for messages. */
  origin: string;
  /** JPKI: the status of the person's authentication certificate, when the source knows it (it refines the meaning). */
  auth?: CertState;
}

export interface RevocationSource {
  /** For messages ("OCSP", "CRL", "DSS", "JPKI (J-LIS)"). */
  readonly name: string;
  /**
   * What this source says about `q.cert`. Undefined: it has nothing for this certificate (no
   * URL, no data). Throws when it should have an answer but could not get one (unreachable,
   * tryLater, a response that does not check out): the validator turns that into TRY_LATER.
   */
  check(q: RevocationQuery): Promise<RevocationEvidence | undefined>;
}

export interface HttpSourceOptions {
  /** Per request, body included (default 15 s). */
  timeoutMs?: number;
  /** Largest OCSP response accepted (default 1 MiB). */
  maxOcspBytes?: number;
  /** Largest CRL accepted (default 64 MiB). */
  maxCrlBytes?: number;
  /** Send an OCSP nonce (default true). */
  nonce?: boolean;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const reasonOf = (code: number | undefined) => (code === undefined ? undefined : revocationReasonFromCode(code));
const certKey = (q: RevocationQuery) => `${q.issuer.sha256.toString('hex')}:${q.cert.serialHex}`;

/** Cached answers, each until its nextUpdate (an answer without one is not kept). */
class Cache<T> {
  private readonly entries = new Map<string, { value: T; until: number }>();
  constructor(private readonly max = 10_000) {}

  get(key: string, now = Date.now()): T | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.until <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: T, until: Date | undefined): void {
    if (!until || until.getTime() <= Date.now()) return;
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, until: until.getTime() });
  }
}

function ocspEvidence(response: Buffer, q: RevocationQuery, source: RevocationSourceKind, origin: string): RevocationEvidence {
  const a = checkOcspResponse(response, q.cert, q.issuer);
  // A delegated responder must have been valid when it answered.
  const responder = parseCert(a.responder, 'the OCSP responder certificate');
  if (a.producedAt < new Date(responder.x509.validFrom) || a.producedAt > new Date(responder.x509.validTo)) {
    throw new Error(`the OCSP response from ${origin} was signed outside its responder certificate's validity`);
  }
  const reason = reasonOf(a.reasonCode);
  return {
    source,
    kind: 'ocsp',
    status: a.status,
    ...(a.revokedAt ? { revokedAt: a.revokedAt } : {}),
    ...(reason ? { reason } : {}),
    thisUpdate: a.thisUpdate,
    ...(a.nextUpdate ? { nextUpdate: a.nextUpdate } : {}),
    origin,
  };
}

function crlEvidence(crl: Buffer, q: RevocationQuery, source: RevocationSourceKind, origin: string): RevocationEvidence {
  const a = checkCrl(crl, q.cert, q.issuer);
  const reason = a.status === 'revoked' ? (reasonOf(a.reasonCode) ?? 'unspecified') : undefined;
  return {
    source,
    kind: 'crl',
    status: a.status,
    ...(a.revokedAt ? { revokedAt: a.revokedAt } : {}),
    ...(reason ? { reason } : {}),
    thisUpdate: a.thisUpdate,
    ...(a.nextUpdate ? { nextUpdate: a.nextUpdate } : {}),
    origin,
  };
}

/** Tries `urls` in order; the first that answers wins; all failing is one error naming each. */
async function firstAnswer(urls: string[], ask: (url: string) => Promise<RevocationEvidence>): Promise<RevocationEvidence | undefined> {
  if (urls.length === 0) return undefined;
  const problems: string[] = [];
  for (const url of urls) {
    try {
      return await ask(url);
    } catch (err) {
      problems.push(message(err));
    }
  }
  throw new Error(problems.join('; '));
}

interface UrlSourceOptions extends HttpSourceOptions {
  /** The URLs to ask for a certificate (default: those it names). */
  urls?: (q: RevocationQuery) => string[];
  /** Reported as the source (default OCSP / CRL). */
  label?: RevocationSourceKind;
}

/** OCSP over HTTP POST with a nonce, to the responders the certificate names (authorityInfoAccess). */
export function ocspRevocationSource(options: UrlSourceOptions = {}): RevocationSource {
  const fetchers = httpRevocationFetchers({ timeoutMs: options.timeoutMs ?? LIMITS.httpTimeoutMs, maxOcspBytes: options.maxOcspBytes ?? LIMITS.ocspResponseBytes, nonce: options.nonce ?? true });
  const cache = new Cache<RevocationEvidence>();
  const label = options.label ?? 'OCSP';
  return {
    name: label === 'OCSP' ? 'OCSP' : `${label} (OCSP)`,
    async check(q) {
      const key = certKey(q);
      const cached = cache.get(key);
      if (cached) return cached;
      const urls = options.urls ? options.urls(q) : ocspUrls(q.cert);
      const evidence = await firstAnswer(urls, async (url) => ocspEvidence(Buffer.from(await fetchers.ocsp(q.cert.der, q.issuer.der, url)), q, label, `OCSP ${url}`));
      if (evidence) cache.set(key, evidence, evidence.nextUpdate);
      return evidence;
    },
  };
}

/** CRLs over HTTP GET from the certificate's distribution points; each CRL fetched once and kept until its nextUpdate. */
export function crlRevocationSource(options: UrlSourceOptions = {}): RevocationSource {
  const fetchers = httpRevocationFetchers({ timeoutMs: options.timeoutMs ?? LIMITS.httpTimeoutMs, maxCrlBytes: options.maxCrlBytes ?? LIMITS.crlBytes });
  const cache = new Cache<Buffer>(64);
  const inFlight = new Map<string, Promise<Buffer>>();
  const label = options.label ?? 'CRL';
  const fetchCrl = (url: string): Promise<Buffer> => {
    const cached = cache.get(url);
    if (cached) return Promise.resolve(cached);
    let p = inFlight.get(url);
    if (!p) {
      p = fetchers.crl(url).then((b) => Buffer.from(b));
      inFlight.set(url, p);
      p.finally(() => inFlight.delete(url)).catch(() => undefined);
    }
    return p;
  };
  return {
    name: label === 'CRL' ? 'CRL' : `${label} (CRL)`,
    async check(q) {
      const urls = options.urls ? options.urls(q) : crlUrls(q.cert);
      return firstAnswer(urls, async (url) => {
        const crl = await fetchCrl(url);
        const evidence = crlEvidence(crl, q, label, `CRL ${url}`);
        cache.set(url, crl, evidence.nextUpdate);
        return evidence;
      });
    },
  };
}

export interface JpkiIssuerEndpoints {
  /** The JPKI root (one generation) whose certificates these endpoints answer for. */
  issuer: CertificateBytes;
  ocspUrl?: string;
  crlUrl?: string;
}

/**
 * Revocation for JPKI certificates, which name no OCSP or CRL URL: in production the data comes
 * from J-LIS through a registered verifier or platform operator; here endpoints are configured
 * per issuing root (generation), e.g. the test PKI's responder. The root is matched by its key,
 * not its name. OCSP is asked first, the CRL second.
 */
export function jpkiRevocationSource(endpoints: JpkiIssuerEndpoints[], options: HttpSourceOptions = {}): RevocationSource {
  const configured = endpoints.map((e) => ({ ...e, cert: parseCert(e.issuer, 'a JPKI issuer') }));
  const find = (q: RevocationQuery) => configured.find((e) => e.cert.spkiDer.equals(q.issuer.spkiDer));
  const ocsp = ocspRevocationSource({ ...options, label: 'JPKI', urls: (q) => (find(q)?.ocspUrl ? [find(q)!.ocspUrl!] : []) });
  const crl = crlRevocationSource({ ...options, label: 'JPKI', urls: (q) => (find(q)?.crlUrl ? [find(q)!.crlUrl!] : []) });
  return {
    name: 'JPKI',
    async check(q) {
      const e = find(q);
      if (!e) return undefined;
      const problems: string[] = [];
      for (const source of [ocsp, crl]) {
        try {
          const evidence = await source.check(q);
          if (evidence) return evidence;
        } catch (err) {
          problems.push(message(err));
        }
      }
      if (problems.length > 0) throw new Error(problems.join('; '));
      return undefined;
    },
  };
}

/**
 * The revocation data embedded in the PDF's DSS (for offline audits). Of the answers that check
 * out for the certificate, a revocation wins, else the newest.
 */
export function dssRevocationSource(data: { crls: Buffer[]; ocsps: Buffer[] }): RevocationSource {
  // One answer per certificate and issuer: the same ones are asked for every signature (a TSA, a
  // repeated signer, the level check), and each ask parses and verifies every response in the DSS.
  const answers = new Map<string, Promise<RevocationEvidence | undefined>>();
  const source: RevocationSource = {
    name: 'DSS',
    check(q) {
      const key = `${q.cert.der.toString('base64')}|${q.issuer.der.toString('base64')}`;
      let answer = answers.get(key);
      if (!answer) {
        answer = scan(q);
        answers.set(key, answer);
      }
      return answer;
    },
  };
  async function scan(q: RevocationQuery): Promise<RevocationEvidence | undefined> {
    const found: RevocationEvidence[] = [];
    for (const ocsp of data.ocsps) {
      try {
        found.push(ocspEvidence(ocsp, q, 'DSS', "an OCSP response in the document's DSS"));
      } catch {
        // Most responses in a DSS are for other certificates.
      }
    }
    for (const crl of data.crls) {
      try {
        found.push(crlEvidence(crl, q, 'DSS', "a CRL in the document's DSS"));
      } catch {
        // Another issuer's CRL.
      }
    }
    return found.find((e) => e.status === 'revoked') ?? found.sort((a, b) => b.thisUpdate.getTime() - a.thisUpdate.getTime())[0];
  }
  return source;
}

export interface StatusQuestion {
  /** The time the status is wanted for. */
  at: Date;
  /** When validation happens (default: now): data current then tells the status at `at` as well. */
  validationTime?: Date;
  /** Data without nextUpdate is taken as current for this long after its thisUpdate. */
  maxAgeMs: number;
  /** Who is asked about, for messages ("the signer's certificate"). */
  who: string;
  /** Stops waiting for the sources (a caller's deadline or cancellation): rejects with its reason. */
  signal?: AbortSignal;
}

export interface StatusAnswer {
  /** The first answer that tells the status at `at` (a revocation always does); none: unknown. */
  evidence?: RevocationEvidence;
  /** Without `evidence`: the first answer that did not tell it (stale, or unknown to the responder). */
  unusable?: RevocationEvidence;
  /** Sources that could not answer, answers that did not tell: one line each. */
  messages: string[];
}

const sec = (d: Date) => Math.floor(d.getTime() / 1000);
const iso = (d: Date) => d.toISOString();

/**
 * Whether `e` tells the status at `at`: data issued at or after it, or data current at `at` or at
 * the validation time (thisUpdate before, nextUpdate after). Times compare to the second: OCSP
 * and CRL times have no fractions, timestamps do.
 */
function tellsStatusAt(e: RevocationEvidence, q: StatusQuestion): boolean {
  if (e.status === 'revoked') return true;
  if (e.status !== 'good') return false;
  if (sec(e.thisUpdate) >= sec(q.at)) return true;
  const current = (t: Date) => sec(e.thisUpdate) <= sec(t) && (e.nextUpdate ? e.nextUpdate.getTime() >= t.getTime() : t.getTime() - e.thisUpdate.getTime() <= q.maxAgeMs);
  return current(q.at) || current(q.validationTime ?? new Date());
}

/** One line for messages: who said what, and for which period. */
export const describeEvidence = (e: RevocationEvidence) =>
  `${e.origin} says ${e.status}${e.revokedAt ? ` since ${iso(e.revokedAt)}` : ''}${e.reason ? ` (${e.reason})` : ''}, thisUpdate ${iso(e.thisUpdate)}${e.nextUpdate ? `, nextUpdate ${iso(e.nextUpdate)}` : ''}`;

/** `work`, or the signal's reason as soon as it aborts (the work itself ends by its own timeout). */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

/**
 * The revocation status of `cert` at `q.at` from `sources` in order: the first answer that tells
 * it wins (a revocation always does). A source that cannot answer, or whose answer does not tell
 * the status then, is noted and the next one asked.
 */
export async function revocationStatusAt(sources: readonly RevocationSource[], cert: RevocationQuery, q: StatusQuestion): Promise<StatusAnswer> {
  const messages: string[] = [];
  let unusable: RevocationEvidence | undefined;
  for (const source of sources) {
    let e: RevocationEvidence | undefined;
    try {
      e = await unlessAborted(source.check(cert), q.signal);
    } catch (err) {
      if (q.signal?.aborted) throw q.signal.reason;
      messages.push(`${q.who}: ${source.name} could not answer (${message(err)})`);
      continue;
    }
    if (!e) continue;
    if (tellsStatusAt(e, q)) return { evidence: e, messages };
    unusable ??= e;
    messages.push(`${q.who}: ${describeEvidence(e)}, which does not tell the status at ${iso(q.at)} (${e.status === 'good' ? 'stale' : 'unknown to the responder'})`);
  }
  return { ...(unusable ? { unusable } : {}), messages };
}

/** OCSP first, then CRLs, from the URLs certificates name. New instances have empty caches: keep them for the process's life. */
export function defaultRevocationSources(options: HttpSourceOptions = {}): RevocationSource[] {
  return [ocspRevocationSource(options), crlRevocationSource(options)];
}
