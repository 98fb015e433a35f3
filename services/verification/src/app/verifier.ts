import { failedPrecondition, invalidArgument, JitsuinError, resourceExhausted } from '@jitsuin/errors';
import { readBasic4Facts, revocationMeaning } from '@jitsuin/jpki';
import { type Cert, parseCert } from '@jitsuin/pades';
import {
  buildChain,
  CertificateStore,
  crlRevocationSource,
  jpkiRevocationSource,
  ocspRevocationSource,
  readCertificates,
  type RevocationEvidence,
  type RevocationSource,
  type VerificationReport,
  verifyPdf,
} from '@jitsuin/verify';
import { type CertificateStatus, statusAt } from '../domain/certificate-status.js';

/**
 * The validator as this service runs it: trust anchors read once, revocation sources created
 * once (their caches live in them, for the life of the process), verifications bounded in
 * number and time. The gRPC handlers, the HTTP pages and the event consumer all go through it.
 */

export interface VerifierSettings {
  /** PEM texts of the trust anchors. */
  trustAnchors: string[];
  allowTestJpki: boolean;
  /** Revocation endpoints per JPKI root, the root as PEM text. */
  jpkiEndpoints: { issuer: string; ocspUrl?: string; crlUrl?: string }[];
  ocspTimeoutMs: number;
  crlTimeoutMs: number;
  maxDocumentBytes: number;
  verifyTimeoutMs: number;
  concurrency: number;
}

export interface VerifyRequestOptions {
  at?: Date;
  offline?: boolean;
}

export interface CertificateCheck extends CertificateStatus {
  checkedAt: Date;
  serial: string;
  subject: string;
}

/** Waits for one of `size` slots; first come, first served. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(size: number) {
    this.free = size;
  }
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.free > 0) this.free--;
    else {
      await new Promise<void>((resolve, reject) => {
        const go = () => {
          signal?.removeEventListener('abort', abort);
          resolve();
        };
        const abort = () => {
          const i = this.waiting.indexOf(go);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(signal!.reason);
        };
        this.waiting.push(go);
        signal?.addEventListener('abort', abort, { once: true });
      });
    }
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

const isJpkiRoot = (anchor: Cert) => /(^|\n)O=JPKI(\n|$)/.test(anchor.x509.subject);

export class Verifier {
  private readonly anchors: CertificateStore;
  private readonly revocation: RevocationSource[];
  private readonly slots: Slots;

  constructor(private readonly settings: VerifierSettings) {
    this.anchors = new CertificateStore(readCertificates(settings.trustAnchors, 'trust anchor'));
    // Created once: each source caches its answers until their nextUpdate.
    const jpki = settings.jpkiEndpoints.length > 0
      ? [jpkiRevocationSource(
          settings.jpkiEndpoints.map((e) => ({ issuer: e.issuer, ...(e.ocspUrl ? { ocspUrl: e.ocspUrl } : {}), ...(e.crlUrl ? { crlUrl: e.crlUrl } : {}) })),
          { timeoutMs: Math.max(settings.ocspTimeoutMs, settings.crlTimeoutMs) },
        )]
      : [];
    this.revocation = [...jpki, ocspRevocationSource({ timeoutMs: settings.ocspTimeoutMs }), crlRevocationSource({ timeoutMs: settings.crlTimeoutMs })];
    this.slots = new Slots(settings.concurrency);
  }

  get trustAnchorCount(): number {
    return this.anchors.size;
  }

  get maxDocumentBytes(): number {
    return this.settings.maxDocumentBytes;
  }

  /** Refuses more than the service verifies, before anything is read. */
  checkSize(size: number): void {
    if (size > this.settings.maxDocumentBytes) {
      throw resourceExhausted(`the document is ${size} bytes, larger than the ${this.settings.maxDocumentBytes} bytes this service verifies`);
    }
  }

  /**
   * verifyPdf with the service's anchors and sources. Unusable input is INVALID_ARGUMENT (the
   * library's VerifyInputError); a verification that outlasts verifyTimeoutMs is
   * DEADLINE_EXCEEDED (its revocation requests are bounded by their own timeouts and end soon after).
   */
  verify(bytes: Uint8Array, options: VerifyRequestOptions = {}, signal?: AbortSignal): Promise<VerificationReport> {
    this.checkSize(bytes.length);
    return this.slots.run(
      () =>
        withTimeout(
          verifyPdf(bytes, {
            trustAnchors: this.settings.trustAnchors,
            allowJpkiTestHierarchy: this.settings.allowTestJpki,
            revocation: this.revocation,
            maxBytes: this.settings.maxDocumentBytes,
            ...(options.at ? { at: options.at } : {}),
            ...(options.offline ? { offline: true } : {}),
          }),
          this.settings.verifyTimeoutMs,
          signal,
        ),
      signal,
    );
  }

  /**
   * The status of one certificate at `at` (default now) through the same revocation sources:
   * its issuer found among the trust anchors and `intermediates` by key identifier and
   * signature, then the sources asked in order (JPKI, OCSP, CRL); the first answer that tells
   * the status wins. For JPKI certificates, what the status means for the person.
   */
  async checkCertificate(der: Uint8Array, intermediates: Uint8Array[], at?: Date): Promise<CertificateCheck> {
    if (der.length === 0) throw invalidArgument('the certificate (DER) is required');
    let cert: Cert;
    try {
      cert = parseCert(Buffer.from(der), 'the certificate');
    } catch (err) {
      throw invalidArgument(`the certificate is not a DER X.509 certificate (${err instanceof Error ? err.message : String(err)})`);
    }
    let pool: CertificateStore;
    try {
      pool = new CertificateStore(readCertificates(intermediates.map((d) => Buffer.from(d)), 'intermediate certificate'));
    } catch (err) {
      throw invalidArgument(err instanceof Error ? err.message : String(err));
    }
    const chain = buildChain(cert, this.anchors, pool);
    const subject = cert.x509.subject.split('\n').join(', ');
    if (!chain) {
      const why = this.anchors.size === 0 ? 'no trust anchors are configured (TRUST_ANCHORS)' : 'none of the configured trust anchors (or the intermediates given) issued it';
      throw failedPrecondition(`the certificate ${subject} (serial ${cert.serialHex}) cannot be checked: ${why}`);
    }
    if (chain.certs.length < 2) throw failedPrecondition(`the certificate ${subject} is itself a trust anchor: it has no revocation status to check`);
    const issuer = chain.certs[1]!;
    const now = new Date();
    const when = at ?? now;
    const problems: string[] = [];
    let found: RevocationEvidence | undefined;
    let stale: RevocationEvidence | undefined;
    for (const source of this.revocation) {
      try {
        const e = await source.check({ cert, issuer });
        if (!e) continue;
        if (e.status === 'unknown') {
          stale ??= e;
          continue;
        }
        found = e;
        break;
      } catch (err) {
        problems.push(`${source.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    let jpki = isJpkiRoot(chain.anchor);
    try {
      jpki ||= Boolean(readBasic4Facts(cert.der));
    } catch {
      // Malformed facts: not for the status to judge.
    }
    const status = statusAt(found ?? stale, when, now, problems, (signing, auth) =>
      jpki ? revocationMeaning({ signing, ...(auth ? { auth } : {}) }) : null,
    );
    return { ...status, checkedAt: now, serial: cert.serialHex, subject };
  }
}

/** `work`, or DEADLINE_EXCEEDED after `ms`, or the signal's reason when it aborts first. */
function withTimeout<T>(work: Promise<T>, ms: number, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new JitsuinError('DEADLINE_EXCEEDED', `the verification took longer than ${ms} ms; try again later`)), ms);
    const abort = () => reject(signal!.reason);
    signal?.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
    });
  });
}
