import type { EventPayload } from '@jitsuin/events';
import type { SigningSession } from '../domain/session.js';
import { levelToProto } from '../domain/levels.js';

/** Ids, the level and the certificate serial: events never carry basic-4 facts. */
export function signatureApplied(session: SigningSession, revisionId: string): EventPayload[] {
  return [
    {
      $case: 'signatureApplied',
      value: {
        contractId: session.contractId,
        documentId: session.documentId,
        partyId: session.kind === 'CARD' ? session.partyId : '',
        revisionId,
        fieldName: session.fieldName,
        level: levelToProto(session.level),
        certificateSerial: session.certificateSerial,
      },
    },
  ];
}

export function signatureFailed(session: SigningSession, failure: { reason: string; message: string }): EventPayload[] {
  return [
    {
      $case: 'signatureFailed',
      value: {
        contractId: session.contractId,
        documentId: session.documentId,
        partyId: session.partyId,
        sessionId: session.id,
        reason: failure.reason,
        message: failure.message,
      },
    },
  ];
}
