import type { EventPayload } from '@jitsuin/events';
import type { Contract, ContractChange, Party } from '../domain/contract.js';
import type { Document, Revision } from '../domain/document.js';
import { provenanceToProto } from '../grpc/mapping.js';
import { contractKinds, endReasons, languages, partyKinds, partyRoles, revisionKinds } from '../protobuf/enums.js';

/** Contacts only: events never carry the basic-4 facts. */
function contacts(parties: Party[]) {
  return parties.map((p) => ({
    partyId: p.id,
    kind: partyKinds.toProto[p.kind],
    role: partyRoles.toProto[p.role],
    email: p.email ?? '',
    language: p.language ? languages.toProto[p.language] : 0,
  }));
}

export function contractCreated(contract: Contract): EventPayload[] {
  return [
    {
      $case: 'contractCreated',
      value: {
        contractId: contract.id,
        title: contract.title,
        kind: contractKinds.toProto[contract.kind],
        documentIds: contract.documents.map((d) => d.documentId),
        parties: contacts(contract.parties),
        deadline: contract.deadline,
      },
    },
  ];
}

/** The events that announce a change of state, and the opening of a step. */
export function contractChanged(contract: Contract, change: ContractChange): EventPayload[] {
  const contractId = contract.id;
  const events: EventPayload[] = [];
  switch (change.state) {
    case 'SENT':
      if (contract.state === 'DRAFT') {
        events.push({
          $case: 'contractSent',
          value: {
            contractId,
            documentIds: contract.documents.map((d) => d.documentId),
            parties: contacts(contract.parties),
            deadline: contract.deadline,
          },
        });
      }
      break;
    case 'PARTIALLY_SIGNED':
      break;
    case 'SIGNED':
      events.push({ $case: 'contractSigned', value: { contractId } });
      break;
    case 'SEALED':
      events.push({ $case: 'contractCompleted', value: { contractId, finalRevisionIds: (change.verified ?? contract.verified).map((v) => v.revisionId) } });
      break;
    case 'VOIDED':
      events.push({ $case: 'contractVoided', value: { contractId, comment: change.end?.comment ?? '', reason: endReasons.toProto[change.end?.reason ?? 'VOIDED'] } });
      break;
    case 'DECLINED':
      events.push({ $case: 'contractDeclined', value: { contractId, partyId: change.end?.partyId ?? '', comment: change.end?.comment ?? '' } });
      break;
    case 'EXPIRED':
      events.push({ $case: 'contractExpired', value: { contractId, deadline: contract.deadline } });
      break;
    default:
      throw new Error(`no events are defined for a change to ${change.state}`);
  }
  const opened = change.openSteps ?? contract.openSteps;
  if (change.state !== 'SIGNED' && opened > contract.openSteps) {
    const stepIndex = opened - 1;
    events.push({ $case: 'contractStepOpened', value: { contractId, stepIndex, partyIds: contract.steps[stepIndex]?.partyIds ?? [] } });
  }
  return events;
}

/** The deadline is near: the parties of the open step who have not signed yet. */
export function contractReminder(contract: Contract, stepIndex: number, partyIds: string[]): EventPayload[] {
  return [{ $case: 'contractReminder', value: { contractId: contract.id, stepIndex, partyIds, deadline: contract.deadline } }];
}

export function documentUploaded(document: Document, revision: Revision): EventPayload[] {
  return [
    {
      $case: 'documentUploaded',
      value: { documentId: document.id, revisionId: revision.id, sha256: revision.sha256, size: revision.size },
    },
  ];
}

export function revisionAdded(document: Document, revision: Revision): EventPayload[] {
  return [
    {
      $case: 'revisionAdded',
      value: {
        documentId: document.id,
        contractId: document.contractId ?? '',
        revisionId: revision.id,
        parentRevisionId: revision.parentId ?? '',
        kind: revisionKinds.toProto[revision.kind],
        sha256: revision.sha256,
        size: revision.size,
        madeBy: revision.madeBy,
        provenance: provenanceToProto(revision.provenance),
      },
    },
  ];
}
