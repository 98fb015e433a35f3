import { invalidArgument, JitsuinError, notFound, unavailable } from '@jitsuin/errors';
import type { EventEnvelope } from '@jitsuin/events';
import type { Logger } from '@jitsuin/rpc';
import { outboxEntries } from '@jitsuin/store';
import type { VerificationReport } from '@jitsuin/verify';
import type { DocumentService, RevisionRef } from '../clients/document-service.js';
import { type AddressPolicies, addressPolicyFor, checkSignerFacts, type SignerFactsCheck } from '../domain/signer-facts.js';
import { type StoredReport, storedReport } from '../domain/stored-report.js';
import { verificationCompleted } from '../events/payloads.js';
import type { ReportRepository } from '../store/reports.js';
import type { Verifier, VerifyRequestOptions } from './verifier.js';

const ID = /^[A-Za-z0-9._-]{1,64}$/;

export function checkId(what: string, value: string): string {
  if (!ID.test(value)) throw invalidArgument(`${what} must be 1 to 64 letters, digits, '.', '_' or '-' (got ${JSON.stringify(value.slice(0, 70))})`);
  return value;
}

/**
 * A signal that aborts when `parent` does or after `ms` (DEADLINE_EXCEEDED), and the function
 * that releases its timer: every verification is bounded in time, the transfer included.
 */
export function deadline(ms: number, parent?: AbortSignal): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new JitsuinError('DEADLINE_EXCEEDED', `the verification took longer than ${ms} ms; try again later`)), ms);
  timer.unref();
  const follow = () => controller.abort(parent!.reason);
  if (parent?.aborted) follow();
  parent?.addEventListener('abort', follow, { once: true });
  return {
    signal: controller.signal,
    done: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', follow);
    },
  };
}

/**
 * Reads a PDF sent in chunks into one buffer, refusing it as soon as it passes `maxBytes`
 * (RESOURCE_EXHAUSTED) and giving up when `signal` aborts (the caller's deadline or ours).
 */
export async function collectUpload(chunks: AsyncIterable<Buffer>, maxBytes: number, signal: AbortSignal, onAbort: () => void): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  const abort = () => onAbort();
  signal.addEventListener('abort', abort, { once: true });
  try {
    for await (const chunk of chunks) {
      signal.throwIfAborted();
      size += chunk.length;
      if (size > maxBytes) throw new JitsuinError('RESOURCE_EXHAUSTED', `the document is larger than the ${maxBytes} bytes this service verifies`);
      parts.push(chunk);
    }
    signal.throwIfAborted();
  } catch (err) {
    if (signal.aborted && signal.reason instanceof JitsuinError) throw signal.reason;
    throw err;
  } finally {
    signal.removeEventListener('abort', abort);
  }
  return Buffer.concat(parts, size);
}

export class Verifications {
  constructor(
    private readonly verifier: Verifier,
    private readonly documents: DocumentService,
    private readonly reports: ReportRepository,
    private readonly verifyTimeoutMs: number,
    private readonly addressPolicies: AddressPolicies,
    private readonly logger: Logger,
    private readonly nudge: (reportId: string) => void = () => {},
  ) {}

  /** A stored revision, downloaded from the document service and verified. */
  async verifyStored(ref: RevisionRef, options: VerifyRequestOptions, parent?: AbortSignal): Promise<VerificationReport> {
    const { signal, done } = deadline(this.verifyTimeoutMs, parent);
    try {
      const { bytes } = await this.documents.download(ref, this.verifier.maxDocumentBytes, signal);
      return await this.verifier.verify(bytes, options, signal);
    } finally {
      done();
    }
  }

  /** A PDF sent by the caller, bounded in size and time. */
  async verifyUpload(chunks: AsyncIterable<Buffer>, options: VerifyRequestOptions, parent: AbortSignal | undefined, cancelTransfer: () => void): Promise<VerificationReport> {
    const { signal, done } = deadline(this.verifyTimeoutMs, parent);
    try {
      const bytes = await collectUpload(chunks, this.verifier.maxDocumentBytes, signal, cancelTransfer);
      return await this.verifier.verify(bytes, options, signal);
    } finally {
      done();
    }
  }

  /**
   * A party's card signature (signature.applied names the party): the new signature's
   * certificate facts against what the contract expects of the party, under the tenant's
   * address policy. Undefined when there is nothing to compare: no party (a seal, a timestamp),
   * a contract the document service does not hold, or a party that expects no facts.
   */
  private async checkParty(
    tenantId: string,
    applied: { contractId: string; partyId: string; fieldName: string },
    report: VerificationReport,
  ): Promise<SignerFactsCheck | undefined> {
    if (!applied.partyId || !applied.contractId) return undefined;
    const expected = await this.documents.partyExpectation(tenantId, applied.contractId, applied.partyId);
    if (!expected) return undefined;
    return checkSignerFacts(report, applied.fieldName, expected, addressPolicyFor(this.addressPolicies, tenantId));
  }

  async getReport(tenantId: string, revisionId: string): Promise<StoredReport> {
    const report = await this.reports.find(checkId('tenant id', tenantId), checkId('revision id', revisionId));
    if (!report) throw notFound(`no verification report for revision ${revisionId}: it is made when a signature is applied to the revision`);
    return report;
  }

  /**
   * signature.applied: the new revision verified once, its report stored with the
   * verification.completed event in one write (the outbox). A redelivered event finds the report
   * and changes nothing; an event without its ids, or naming a revision the document service
   * does not have, is INVALID_ARGUMENT (dead-lettered at once); anything transient is retried.
   * A verdict of TRY_LATER (revocation data not to be had now) is retried too while `mayRetry`,
   * then recorded as it is (INDETERMINATE).
   */
  async onEvent(event: EventEnvelope, mayRetry = false): Promise<void> {
    if (event.payload?.$case !== 'signatureApplied') return;
    const applied = event.payload.value;
    const ref = {
      tenantId: event.tenantId,
      documentId: applied.documentId,
      revisionId: applied.revisionId,
    };
    if (!ref.documentId || !ref.revisionId) throw invalidArgument(`signature.applied event ${event.id} names no document or revision`);
    for (const [what, value] of [['tenant id', ref.tenantId], ['document id', ref.documentId], ['revision id', ref.revisionId]] as const) {
      if (!ID.test(value)) throw invalidArgument(`signature.applied event ${event.id}: the ${what} is not an id`);
    }
    if (await this.reports.find(ref.tenantId, ref.revisionId)) return;

    let report: VerificationReport;
    try {
      report = await this.verifyStored(ref, {});
    } catch (err) {
      if (err instanceof JitsuinError && err.kind === 'NOT_FOUND') {
        throw invalidArgument(`signature.applied event ${event.id}: the document service has no revision ${ref.revisionId} (${err.message})`);
      }
      throw err;
    }
    const signerFacts = await this.checkParty(ref.tenantId, applied, report);
    const tryLater = report.signatures.some((s) => s.subIndication === 'TRY_LATER');
    // A signature by someone else fails whatever the revocation data says: no point waiting for it.
    if (tryLater && mayRetry && signerFacts?.matches !== false) {
      throw unavailable(`revision ${ref.revisionId}: revocation data cannot be had now (TRY_LATER); verifying again shortly`);
    }
    const stored = storedReport(
      {
        tenantId: ref.tenantId,
        contractId: applied.contractId,
        documentId: ref.documentId,
        revisionId: ref.revisionId,
        eventId: event.id,
        verifiedAt: new Date(),
        ...(signerFacts ? { signerFacts } : {}),
      },
      report,
    );
    const events = outboxEntries(ref.tenantId, event.subject, verificationCompleted(stored), event.correlationId || event.id);
    if (await this.reports.insert(stored, events)) {
      // Fact names only: the values never reach a log.
      const facts = signerFacts && { partyId: signerFacts.partyId, differingFacts: signerFacts.differing, substitutedFacts: signerFacts.substituted, certificateHasFacts: signerFacts.certificateHasFacts };
      this.logger.info({ revisionId: ref.revisionId, indication: stored.indication, subIndication: stored.subIndication, eventId: event.id, ...(facts ? { signerFacts: facts } : {}) }, 'revision verified');
      this.nudge(stored.id);
    }
  }
}
