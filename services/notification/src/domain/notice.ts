import { invalidArgument } from '@jitsuin/errors';
import type { EventEnvelope } from '@jitsuin/events';
import { EndReason, Language as ProtoLanguage, PartyKind, PartyRole } from '@jitsuin/proto/document/v1/document';
import { Indication, RevocationStatus } from '@jitsuin/proto/verification/v1/verification';

/**
 * What an event means to the people who are told of it. Events carry party ids, roles and
 * e-mail addresses, never the basic-4 facts, so nothing here can leak them.
 */

export type Role =
  | 'BORROWER'
  | 'CO_BORROWER'
  | 'GUARANTOR'
  | 'LENDER'
  | 'TENANT'
  | 'LANDLORD'
  | 'LICENSED_AGENT'
  | 'AGENCY'
  | 'OTHER';

export interface Contact {
  partyId: string;
  role: Role;
  organization: boolean;
  /** Absent when the party has none (an organisation that only seals). */
  email?: string;
  /** The party's own language, when the contract gives one; otherwise the tenant's. */
  language?: 'ja' | 'en';
}

/** What the service remembers of a contract between its events: title and contacts. */
export interface ContractContacts {
  tenantId: string;
  contractId: string;
  title?: string;
  deadline?: Date;
  parties: Contact[];
}

/** The human side of an event: who is told and what they read. */
export type Notice =
  | { kind: 'invitation'; partyIds: string[]; stepIndex: number }
  | { kind: 'reminder'; partyIds: string[]; stepIndex: number; deadline?: Date }
  | { kind: 'declined'; partyId: string; comment: string }
  /** byVerification: stopped because a signature did not pass verification. */
  | { kind: 'voided'; comment: string; byVerification: boolean }
  | { kind: 'expired' }
  | { kind: 'completed' }
  | { kind: 'signature_failed'; partyId: string; reason: string; message: string }
  /** differingFacts: with SIGNER_FACTS_MISMATCH, the names of the facts that differ (never their values). */
  | { kind: 'verification_failed'; documentId: string; indication: string; subIndication: string; differingFacts: string[] }
  | { kind: 'certificate_status_changed'; partyId: string; status: string; reason: string };

/** Notices that end a contract: nothing more is said to its parties afterwards. */
export const TERMINAL: Notice['kind'][] = ['declined', 'voided', 'expired', 'completed'];

export interface Understood {
  eventId: string;
  type: string;
  tenantId: string;
  contractId: string;
  time: Date;
  /** For a person or operator to read; absent for events only webhooks carry. */
  notice?: Notice;
  /** Contacts an event brings (contract.created, contract.sent). */
  contacts?: { title?: string; deadline?: Date; parties: Contact[] };
  /** The webhook body's "data": ids, roles and outcomes, no e-mail addresses. */
  data: Record<string, unknown>;
}

const roleNames: Record<number, Role> = {
  [PartyRole.PARTY_ROLE_BORROWER]: 'BORROWER',
  [PartyRole.PARTY_ROLE_CO_BORROWER]: 'CO_BORROWER',
  [PartyRole.PARTY_ROLE_GUARANTOR]: 'GUARANTOR',
  [PartyRole.PARTY_ROLE_LENDER]: 'LENDER',
  [PartyRole.PARTY_ROLE_TENANT]: 'TENANT',
  [PartyRole.PARTY_ROLE_LANDLORD]: 'LANDLORD',
  [PartyRole.PARTY_ROLE_LICENSED_AGENT]: 'LICENSED_AGENT',
  [PartyRole.PARTY_ROLE_AGENCY]: 'AGENCY',
  [PartyRole.PARTY_ROLE_OTHER]: 'OTHER',
};

interface PartyContactLike {
  partyId: string;
  kind: PartyKind;
  role: PartyRole;
  email: string;
  language: ProtoLanguage;
}

const LANGUAGES: Partial<Record<ProtoLanguage, 'ja' | 'en'>> = { [ProtoLanguage.LANGUAGE_JA]: 'ja', [ProtoLanguage.LANGUAGE_EN]: 'en' };

function contactsOf(parties: PartyContactLike[]): Contact[] {
  return parties.map((p) => ({
    partyId: p.partyId,
    role: roleNames[p.role] ?? 'OTHER',
    organization: p.kind === PartyKind.PARTY_KIND_ORGANIZATION,
    ...(p.email ? { email: p.email } : {}),
    ...(LANGUAGES[p.language] ? { language: LANGUAGES[p.language] } : {}),
  }));
}

const publicParties = (contacts: Contact[]) =>
  contacts.map((c) => ({ partyId: c.partyId, role: c.role, organization: c.organization }));

/** "TOTAL_FAILED" from INDICATION_TOTAL_FAILED; the number when this version does not know it. */
function enumName(name: string | undefined, prefix: string, value: number): string {
  return name ? name.slice(prefix.length) : String(value);
}

function required(what: string, value: string, event: EventEnvelope): string {
  if (!value) throw invalidArgument(`event ${event.id} (${event.type}) has no ${what}`);
  return value;
}

/**
 * Reads an event; undefined for the events nobody is told of (uploads, revisions). A known
 * event without the ids it needs is malformed (INVALID_ARGUMENT: the consumer dead-letters it).
 */
export function understand(event: EventEnvelope): Understood | undefined {
  const payload = event.payload;
  if (!payload) return undefined;
  const base = { eventId: event.id, type: event.type, tenantId: event.tenantId, time: event.time ?? new Date(0) };
  const contractId = (id: string) => required('contract id', id, event);
  switch (payload.$case) {
    case 'contractCreated': {
      const v = payload.value;
      const parties = contactsOf(v.parties);
      return {
        ...base,
        contractId: contractId(v.contractId),
        contacts: { title: v.title || undefined, deadline: v.deadline, parties },
        data: { title: v.title, documentIds: v.documentIds, parties: publicParties(parties), deadline: v.deadline?.toISOString() },
      };
    }
    case 'contractSent': {
      const v = payload.value;
      const parties = contactsOf(v.parties);
      return {
        ...base,
        contractId: contractId(v.contractId),
        contacts: { deadline: v.deadline, parties },
        data: { documentIds: v.documentIds, parties: publicParties(parties), deadline: v.deadline?.toISOString() },
      };
    }
    case 'contractStepOpened': {
      const v = payload.value;
      return {
        ...base,
        contractId: contractId(v.contractId),
        notice: { kind: 'invitation', partyIds: v.partyIds, stepIndex: v.stepIndex },
        data: { stepIndex: v.stepIndex, partyIds: v.partyIds },
      };
    }
    case 'contractDeclined': {
      const v = payload.value;
      return {
        ...base,
        contractId: contractId(v.contractId),
        notice: { kind: 'declined', partyId: v.partyId, comment: v.comment },
        data: { partyId: v.partyId, comment: v.comment },
      };
    }
    case 'contractVoided': {
      const v = payload.value;
      const byVerification = v.reason === EndReason.END_REASON_VERIFICATION_FAILED;
      return {
        ...base,
        contractId: contractId(v.contractId),
        notice: { kind: 'voided', comment: v.comment, byVerification },
        data: { comment: v.comment, reason: byVerification ? 'VERIFICATION_FAILED' : 'VOIDED' },
      };
    }
    case 'contractReminder': {
      const v = payload.value;
      return {
        ...base,
        contractId: contractId(v.contractId),
        notice: { kind: 'reminder', partyIds: v.partyIds, stepIndex: v.stepIndex, ...(v.deadline ? { deadline: v.deadline } : {}) },
        data: { stepIndex: v.stepIndex, partyIds: v.partyIds, deadline: v.deadline?.toISOString() },
      };
    }
    case 'contractExpired': {
      const v = payload.value;
      return { ...base, contractId: contractId(v.contractId), notice: { kind: 'expired' }, data: { deadline: v.deadline?.toISOString() } };
    }
    case 'contractSigned':
      return { ...base, contractId: contractId(payload.value.contractId), data: {} };
    case 'contractCompleted': {
      const v = payload.value;
      return { ...base, contractId: contractId(v.contractId), notice: { kind: 'completed' }, data: { finalRevisionIds: v.finalRevisionIds } };
    }
    case 'signatureApplied': {
      const v = payload.value;
      return {
        ...base,
        contractId: contractId(v.contractId),
        data: { documentId: v.documentId, partyId: v.partyId, revisionId: v.revisionId, fieldName: v.fieldName },
      };
    }
    case 'signatureFailed': {
      const v = payload.value;
      return {
        ...base,
        contractId: contractId(v.contractId),
        notice: { kind: 'signature_failed', partyId: v.partyId, reason: v.reason, message: v.message },
        data: { documentId: v.documentId, partyId: v.partyId, reason: v.reason, message: v.message },
      };
    }
    case 'verificationCompleted': {
      const v = payload.value;
      const indication = enumName(Indication[v.indication], 'INDICATION_', v.indication);
      const passed = v.indication === Indication.INDICATION_TOTAL_PASSED;
      return {
        ...base,
        contractId: contractId(v.contractId),
        ...(passed
          ? {}
          : { notice: { kind: 'verification_failed' as const, documentId: v.documentId, indication, subIndication: v.subIndication, differingFacts: v.differingFacts } }),
        data: {
          documentId: v.documentId,
          revisionId: v.revisionId,
          indication,
          subIndication: v.subIndication,
          signatureCount: v.signatureCount,
          ...(v.differingFacts.length > 0 ? { differingFacts: v.differingFacts } : {}),
        },
      };
    }
    case 'certificateStatusChanged': {
      const v = payload.value;
      const status = enumName(RevocationStatus[v.status], 'REVOCATION_STATUS_', v.status);
      return {
        ...base,
        contractId: contractId(v.contractId),
        notice: { kind: 'certificate_status_changed', partyId: v.partyId, status, reason: v.reason },
        data: { partyId: v.partyId, certificateSerial: v.certificateSerial, status, reason: v.reason, checkedAt: v.checkedAt?.toISOString() },
      };
    }
    default:
      return undefined;
  }
}
