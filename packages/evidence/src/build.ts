import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Signer } from '@jitsuin/pades';
import { PdfDocument } from '@jitsuin/pdf';
import { readDss, renderReportHtml, type VerificationReport } from '@jitsuin/verify';
import { canonicalJson } from './canonical.js';
import { chainEvents, type LoggedEvent } from './event-chain.js';
import {
  EVIDENCE_FORMAT,
  finalPdfPath,
  type DocumentEntry,
  type Manifest,
  type ManifestFile,
  PATHS,
  REVISIONS_FORMAT,
  reportPaths,
  type RevisionEntry,
  type RevisionsFile,
  validationPath,
} from './layout.js';
import { seal } from './seal.js';
import { writeZip, type ZipMember } from './zip.js';

/** Certificates and revocation data a final PDF embeds (its DSS), DER each. */
export interface ValidationData {
  certs: Buffer[];
  crls: Buffer[];
  ocsps: Buffer[];
}

/** What a PDF's DSS holds (nothing when it has none or cannot be read). */
export function validationDataOf(pdf: Uint8Array): ValidationData {
  try {
    const { certs, crls, ocsps } = readDss(PdfDocument.open(pdf));
    return { certs, crls, ocsps };
  } catch {
    return { certs: [], crls: [], ocsps: [] };
  }
}

export interface EvidenceDocument {
  documentId: string;
  title: string;
  filename: string;
  headRevisionId: string;
  /** Oldest first, the head last. */
  revisions: RevisionEntry[];
  /** The head revision's bytes: its size and SHA-256 as recorded, and how to read them. */
  finalPdf: { size: number; sha256: string; open: () => Promise<Readable> };
  /** The verification service's report on the head revision, if it has one. */
  report?: { revisionId: string; json: string; indication: string; verifiedAt?: Date };
  validationData: ValidationData;
}

export interface EvidenceInput {
  contractId: string;
  tenantId: string;
  /** contract.json: what the service says of the contract (never the basic-4 facts). */
  contract: unknown;
  documents: EvidenceDocument[];
  /** The contract's event log, in order. */
  events: LoggedEvent[];
  /** The platform's seal key. */
  signer: Signer;
  now?: Date;
}

export interface BuiltEvidence {
  manifest: Manifest;
  /** SHA-256 (hex) of manifest.json as written: what the seal covers. */
  manifestSha256: string;
  /** Starts writing the ZIP: its bytes, produced as they are read. */
  zip: () => Readable;
  /** Every member's size, for the caller's bound on the whole. */
  totalBytes: number;
}

const sha256hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');

/** Builds an evidence package (layout.ts): every file, the manifest, the seal, the ZIP. */
export async function buildEvidence(input: EvidenceInput): Promise<BuiltEvidence> {
  const now = input.now ?? new Date();
  const members: ZipMember[] = [];
  const files: Record<string, ManifestFile> = {};
  const add = (path: string, bytes: Buffer, compress = true) => {
    if (files[path]) return;
    files[path] = { sha256: sha256hex(bytes), size: bytes.length };
    members.push({ path, bytes, compress });
  };

  add(PATHS.contract, json(input.contract));

  const documents: DocumentEntry[] = [];
  const pdfs: ZipMember[] = [];
  for (const d of input.documents) {
    const finalPdf = finalPdfPath(d.documentId);
    files[finalPdf] = { sha256: d.finalPdf.sha256, size: d.finalPdf.size };
    pdfs.push({ path: finalPdf, size: d.finalPdf.size, open: d.finalPdf.open });
    let report: DocumentEntry['report'] = null;
    if (d.report) {
      const paths = reportPaths(d.documentId, d.report.revisionId);
      add(paths.json, Buffer.from(d.report.json, 'utf8'));
      add(paths.html, Buffer.from(renderReportHtml(JSON.parse(d.report.json) as VerificationReport), 'utf8'));
      report = { revisionId: d.report.revisionId, ...paths, indication: d.report.indication, verifiedAt: d.report.verifiedAt?.toISOString() ?? null };
    }
    documents.push({ documentId: d.documentId, title: d.title, filename: d.filename, headRevisionId: d.headRevisionId, finalPdf, report, revisions: d.revisions });
    for (const der of d.validationData.certs) add(validationPath('certificate', sha256hex(der)), der);
    for (const der of d.validationData.crls) add(validationPath('crl', sha256hex(der)), der);
    for (const der of d.validationData.ocsps) add(validationPath('ocsp', sha256hex(der)), der);
  }
  const revisions: RevisionsFile = { format: REVISIONS_FORMAT, contractId: input.contractId, tenantId: input.tenantId, documents };
  add(PATHS.revisions, json(revisions));

  const eventLog = chainEvents(input.contractId, input.tenantId, input.events);
  add(PATHS.eventLog, json(eventLog));

  const sortedFiles = Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const manifest: Manifest = {
    format: EVIDENCE_FORMAT,
    contractId: input.contractId,
    tenantId: input.tenantId,
    createdAt: now.toISOString(),
    eventLog: { file: PATHS.eventLog, entries: eventLog.entries.length, head: eventLog.head },
    seal: { certificates: [...new Set([input.signer.certificate, ...input.signer.chain].map((der) => sha256hex(der)))] },
    files: sortedFiles,
  };
  const manifestBytes = json(manifest);
  const sealBytes = await seal(manifestBytes, input.signer);

  const all: ZipMember[] = [
    { path: PATHS.manifest, bytes: manifestBytes },
    { path: PATHS.seal, bytes: sealBytes, compress: false },
    ...members,
    ...pdfs,
  ];
  const totalBytes = all.reduce((n, m) => n + ('bytes' in m ? m.bytes.length : m.size), 0);
  return { manifest, manifestSha256: sha256hex(manifestBytes), zip: () => writeZip(all, now), totalBytes };
}

export { canonicalJson };
