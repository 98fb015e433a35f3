import type { Provenance, RevisionKind } from '@jitsuin/contract';
import { invalidArgument } from '@jitsuin/errors';

export type { Provenance, RevisionKind };

/** One state of a document's bytes. Revisions form a chain: each extends its parent. */
export interface Revision {
  id: string;
  parentId?: string;
  sha256: string;
  size: number;
  kind: RevisionKind;
  madeBy: string;
  /** Who made it and for what; absent on revisions stored before it was recorded (see @jitsuin/contract). */
  provenance?: Provenance;
  description?: string;
  createdAt: Date;
  /** The verification service's verdict on these bytes (verification.completed), once it came. */
  verification?: RevisionVerification;
}

/** A verification verdict as recorded on a revision; the full report stays with the verification service. */
export interface RevisionVerification {
  indication: 'TOTAL_PASSED' | 'INDETERMINATE' | 'TOTAL_FAILED' | 'NO_SIGNATURE_FOUND';
  subIndication?: string;
  signatureCount: number;
  /** The verification service's report id (GetReport). */
  reportId: string;
  verifiedAt: Date;
}

export interface Document {
  id: string;
  tenantId: string;
  contractId?: string;
  filename: string;
  revisions: Revision[];
  headRevisionId: string;
  createdAt: Date;
  version: number;
}

export function checkFilename(filename: string): string {
  const name = filename.trim();
  if (name === '') throw invalidArgument('a filename is required');
  if (name.length > 255 || /[\u0000-\u001f/\\]/.test(name)) {
    throw invalidArgument('the filename must be at most 255 characters, without slashes or control characters');
  }
  return name;
}

/** The start of every PDF, within the first KiB as readers allow. */
export function checkPdfHead(head: Buffer): void {
  if (!head.subarray(0, 1024).includes('%PDF-')) {
    throw invalidArgument('the file is not a PDF: it does not start with %PDF-');
  }
}

/**
 * A complete PDF ends with startxref and %%EOF (a reader looks for them in the last KiB).
 * Without them the file was cut short on its way here.
 */
export function checkPdfTail(tail: Buffer): void {
  const text = tail.toString('latin1');
  const eof = text.lastIndexOf('%%EOF');
  if (eof < 0 || text.lastIndexOf('startxref') < 0 || text.slice(eof + 5).trim() !== '') {
    throw invalidArgument('the PDF is incomplete: it does not end with startxref and %%EOF (truncated?)');
  }
}
