import type { EventPayload } from '@jitsuin/events';
import type { Contract, ContractChange, Party } from '../domain/contract.js';
import type { Document, Revision } from '../domain/document.js';
import { contractKinds, partyKinds, partyRoles, revisionKinds } from '../protobuf/enums.js';

/** Contacts only: events never carry the basic-4 facts. */
function contacts(parties: Party[]) {
  return parties.map((p) => ({
    partyId: p.id,
    kind: partyKinds.toProto[p.kind],
    role: partyRoles.toProto[p.role],
    email: p.email ?? '',
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

/** The events that announce a change of state. */
export function contractChanged(contract: Contract, change: ContractChange): EventPayload[] {
  const contractId = contract.id;
  switch (change.state) {
    case 'SENT': {
      const first = contract.steps[0];
      return [
        {
          $case: 'contractSent',
          value: {
            contractId,
            documentIds: contract.documents.map((d) => d.documentId),
            parties: contacts(contract.parties),
            deadline: contract.deadline,
          },
        },
        { $case: 'contractStepOpened', value: { contractId, stepIndex: 0, partyIds: first?.partyIds ?? [] } },
      ];
    }
    case 'VOIDED':
      return [{ $case: 'contractVoided', value: { contractId, comment: change.end?.comment ?? '' } }];
    case 'DECLINED':
      return [
        {
          $case: 'contractDeclined',
          value: { contractId, partyId: change.end?.partyId ?? '', comment: change.end?.comment ?? '' },
        },
      ];
    case 'EXPIRED':
      return [{ $case: 'contractExpired', value: { contractId, deadline: contract.deadline } }];
    default:
      throw new Error(`no events are defined for a change to ${change.state}`);
  }
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
      },
    },
  ];
}
