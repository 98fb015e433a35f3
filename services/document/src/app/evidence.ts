import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { failedPrecondition, notFound, resourceExhausted } from '@jitsuin/errors';
import { buildEvidence, type EvidenceDocument, type RevisionEntry, validationDataOf } from '@jitsuin/evidence';
import { Pkcs12Signer, type Signer } from '@jitsuin/pades';
import { Indication } from '@jitsuin/proto/verification/v1/verification';
import type { ReportSource } from '../clients/verification-service.js';
import { checkId, type Contract } from '../domain/contract.js';
import type { Document, Revision } from '../domain/document.js';
import type { EventLogRecorder } from '../events/event-log.js';
import type { BlobStore } from '../store/blobs.js';
import type { ContractRepository } from '../store/contracts.js';
import type { DocumentRepository } from '../store/documents.js';
import type { EventLogRepository } from '../store/event-log.js';

/**
 * ExportEvidence: the evidence package of a contract for auditors (@jitsuin/evidence says what
 * it holds): every document's final PDF, revisions.json, the verification service's report on
 * each final revision (JSON and HTML), the contract's event log as a hash chain, the
 * certificates and revocation data of the final PDFs' DSS, and a manifest of them all sealed
 * with the platform's key.
 *
 * Bounded: the final PDFs together at most `maxBytes`, the log at most `maxEvents` entries; one
 * final PDF is in memory at a time (read once to check its SHA-256 and take its DSS, streamed
 * again from the blob store into the ZIP as the caller reads it).
 */

export interface EvidenceSettings {
  maxBytes: number;
  maxEvents: number;
}

export class EvidenceExporter {
  constructor(
    private readonly contracts: ContractRepository,
    private readonly documents: DocumentRepository,
    private readonly blobs: BlobStore,
    private readonly log: EventLogRepository,
    private readonly recorder: EventLogRecorder,
    private readonly reports: ReportSource,
    /** The platform's seal; undefined when none is configured. */
    private readonly signer: Signer | undefined,
    private readonly settings: EvidenceSettings,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async export(tenantId: string, contractId: string, signal?: AbortSignal): Promise<{ filename: string; zip: Readable; manifestSha256: string }> {
    checkId('tenant id', tenantId);
    checkId('contract id', contractId);
    const contract = await this.contracts.find(tenantId, contractId);
    if (!contract) throw notFound(`contract ${contractId} not found`);
    if (!this.signer) {
      throw failedPrecondition('the platform seal for evidence packages is not configured: set EVIDENCE_SEAL_P12 and EVIDENCE_SEAL_PASSWORD on the document service');
    }
    const ids = contract.documents.map((d) => d.documentId);
    const found = await this.documents.findMany(tenantId, ids);
    const documents = ids.map((id) => {
      const d = found.find((f) => f.id === id);
      if (!d) throw new Error(`contract ${contractId} names document ${id}, which is not in the store`);
      return d;
    });
    const heads = documents.map((d) => headOf(d));
    const total = heads.reduce((n, h) => n + h.size, 0);
    if (total > this.settings.maxBytes) {
      throw resourceExhausted(`the final PDFs of contract ${contractId} are ${total} bytes together, more than the ${this.settings.maxBytes} bytes an evidence package may hold (EVIDENCE_MAX_BYTES)`);
    }

    // Events of the documents from before the contract took them, in case they came late.
    await this.recorder.adopt(tenantId, contractId, ids);
    const entries = await this.log.list(tenantId, contractId, this.settings.maxEvents + 1);
    if (entries.length > this.settings.maxEvents) {
      throw resourceExhausted(`contract ${contractId} has more than ${this.settings.maxEvents} events, more than an evidence package holds`);
    }

    const evidenceDocuments: EvidenceDocument[] = [];
    for (const [i, document] of documents.entries()) {
      signal?.throwIfAborted();
      const head = heads[i]!;
      const bytes = await this.read(head);
      const stored = await this.reports.report(tenantId, head.id);
      evidenceDocuments.push({
        documentId: document.id,
        title: contract.documents[i]!.title,
        filename: document.filename,
        headRevisionId: head.id,
        revisions: document.revisions.map(revisionEntry),
        finalPdf: { size: head.size, sha256: head.sha256, open: () => this.blobs.open(head.sha256, 0, head.size) },
        ...(stored
          ? { report: { revisionId: stored.revisionId, json: stored.reportJson, indication: indicationName(stored.indication), ...(stored.verifiedAt ? { verifiedAt: stored.verifiedAt } : {}) } }
          : {}),
        validationData: validationDataOf(bytes),
      });
    }

    const built = await buildEvidence({
      contractId,
      tenantId,
      contract: contractJson(contract),
      documents: evidenceDocuments,
      events: entries.map((e) => ({ eventId: e.eventId, type: e.type, time: e.time, subject: e.subject, envelope: e.envelope })),
      signer: this.signer,
      now: this.now(),
    });
    return { filename: `evidence-${contractId}.zip`, zip: built.zip(), manifestSha256: built.manifestSha256 };
  }

  /** A revision's bytes, whole, checked against its SHA-256. */
  private async read(revision: Revision): Promise<Buffer> {
    const stream = await this.blobs.open(revision.sha256, 0, revision.size);
    const bytes = Buffer.allocUnsafe(revision.size);
    let at = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (at + chunk.length > bytes.length) throw new Error(`revision ${revision.id} holds more than its ${revision.size} bytes`);
      chunk.copy(bytes, at);
      at += chunk.length;
    }
    if (at !== revision.size || createHash('sha256').update(bytes).digest('hex') !== revision.sha256) {
      throw new Error(`the stored bytes of revision ${revision.id} do not match its SHA-256 (${at} of ${revision.size} bytes read)`);
    }
    return bytes;
  }
}

/** The platform seal from its PKCS#12 file, opened once at start. */
export async function openEvidenceSeal(seal: { p12Path: string; password: string } | undefined): Promise<Signer | undefined> {
  if (!seal) return undefined;
  let p12: Buffer;
  try {
    p12 = await readFile(seal.p12Path);
  } catch (err) {
    throw new Error(`EVIDENCE_SEAL_P12 ${seal.p12Path} cannot be read (${(err as Error).message})`, { cause: err });
  }
  return Pkcs12Signer.open(p12, seal.password);
}

function headOf(document: Document): Revision {
  const head = document.revisions.find((r) => r.id === document.headRevisionId);
  if (!head) throw new Error(`document ${document.id} names a head revision it does not have`);
  return head;
}

const INDICATIONS: Partial<Record<Indication, string>> = {
  [Indication.INDICATION_TOTAL_PASSED]: 'TOTAL_PASSED',
  [Indication.INDICATION_INDETERMINATE]: 'INDETERMINATE',
  [Indication.INDICATION_TOTAL_FAILED]: 'TOTAL_FAILED',
  [Indication.INDICATION_NO_SIGNATURE_FOUND]: 'NO_SIGNATURE_FOUND',
};
const indicationName = (i: Indication) => INDICATIONS[i] ?? 'UNSPECIFIED';

function revisionEntry(r: Revision): RevisionEntry {
  return {
    id: r.id,
    parentId: r.parentId ?? null,
    kind: r.kind,
    madeBy: r.madeBy,
    description: r.description ?? null,
    createdAt: r.createdAt.toISOString(),
    sha256: r.sha256,
    size: r.size,
    verification: r.verification
      ? {
          indication: r.verification.indication,
          subIndication: r.verification.subIndication ?? null,
          signatureCount: r.verification.signatureCount,
          reportId: r.verification.reportId,
          verifiedAt: r.verification.verifiedAt.toISOString(),
        }
      : null,
  };
}

/** The contract as the package tells it: parties by id, kind and role only (no basic-4 facts, no contact data). */
function contractJson(c: Contract): unknown {
  const iso = (d: Date | undefined) => d?.toISOString() ?? null;
  return {
    id: c.id,
    tenantId: c.tenantId,
    title: c.title,
    kind: c.kind,
    state: c.state,
    parties: c.parties.map((p) => ({ id: p.id, kind: p.kind, role: p.role, ...(p.sealId ? { sealId: p.sealId } : {}) })),
    documents: c.documents.map((d) => ({ documentId: d.documentId, title: d.title, ...(d.signerPartyIds?.length ? { signerPartyIds: d.signerPartyIds } : {}) })),
    steps: c.steps.map((s) => ({ partyIds: s.partyIds })),
    certifyingPartyId: c.certifyingPartyId ?? null,
    deadline: iso(c.deadline),
    createdAt: iso(c.createdAt),
    sentAt: iso(c.sentAt),
    updatedAt: iso(c.updatedAt),
    end: c.end ? { reason: c.end.reason, partyId: c.end.partyId ?? null, comment: c.end.comment ?? null, at: iso(c.end.at) } : null,
    version: c.version,
  };
}
