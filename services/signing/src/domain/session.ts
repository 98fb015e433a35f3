import { failedPrecondition, notFound } from '@jitsuin/errors';
import type { PadesLevel, PendingSignature } from '@jitsuin/signer';

export type { PadesLevel };

/**
 * A signing session: what PrepareSignature prepared, waiting for the card's signature value.
 * Single use: CompleteSignature claims it (PREPARED → COMPLETING) in one atomic update, and it
 * ends COMPLETED or FAILED; a transient failure gives it back (COMPLETING → PREPARED).
 * Seals and B-LTA timestamps, made in one call, are recorded as sessions born COMPLETED (their
 * event rides on them).
 */
export type SessionState = 'PREPARED' | 'COMPLETING' | 'COMPLETED' | 'FAILED';
export type SessionKind = 'CARD' | 'SEAL' | 'TIMESTAMP';

export interface SigningSession {
  id: string;
  kind: SessionKind;
  tenantId: string;
  contractId: string;
  documentId: string;
  /** The revision the signature extends (the head when it was prepared). */
  baseRevisionId: string;
  /** The contract's party (card), or the seal id (seal). */
  partyId: string;
  level: PadesLevel;
  fieldName: string;
  certificateSerial: string;
  state: SessionState;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date;
  /** The prepared update; dropped once the session is used or expired. */
  pending?: PendingSignature;
  /** Who holds the claim while COMPLETING. */
  claimId?: string;
  /** The revision being stored, recorded before it is sent: a retry finds it if it arrived. */
  upload?: { sha256: string; size: number };
  result?: { revisionId: string; sha256: string };
  failure?: { reason: string; message: string };
}

/**
 * BSON documents are limited to 16 MiB; the prepared update (field, appearance with its font
 * subset, placeholder) must leave room for the rest of the session.
 */
export const MAX_PENDING_BYTES = 15 * 1024 * 1024;

export function pendingBytes(pending: PendingSignature): number {
  return (
    pending.appended.length +
    pending.signedAttributes.length +
    pending.digest.length +
    pending.digestInfo.length +
    pending.signerCertificate.length +
    pending.chain.reduce((n, c) => n + c.length, 0)
  );
}

/** Why a session cannot be claimed now, as the error the caller gets. */
export function unclaimable(id: string, session: SigningSession | undefined, now: Date): Error {
  if (!session || session.kind !== 'CARD') return notFound(`signing session ${id} not found`);
  if (session.state !== 'PREPARED') {
    const outcome = session.state === 'FAILED' && session.failure ? ` (it failed: ${session.failure.message})` : '';
    return failedPrecondition(`signing session ${id} has already been used${outcome}; prepare the signature again`);
  }
  if (session.expiresAt.getTime() <= now.getTime()) {
    return failedPrecondition(`signing session ${id} expired at ${session.expiresAt.toISOString()}; prepare again`);
  }
  // Claimable as read, but another call claimed it in between.
  return failedPrecondition(`signing session ${id} has already been used; prepare the signature again`);
}
