import { hasSigned, type ContractState, type Provenance, type RevisionKind, signsDocument } from '@jitsuin/contract';
import { failedPrecondition, invalidArgument, notFound } from '@jitsuin/errors';
import { signingError } from './errors.js';

/**
 * What this service needs to know of a contract and its documents; the document service owns
 * them (this service never reads its collections, it asks it over gRPC).
 */
export type { ContractState, Provenance, RevisionKind };

export type Gender = 'MALE' | 'FEMALE' | 'UNKNOWN';

/** The basic-4 facts a contract expects of a person; only those given are compared. */
export interface ExpectedFacts {
  name: string;
  address?: string;
  /** YYYY-MM-DD */
  dateOfBirth?: string;
  gender?: Gender;
}

export interface PartyView {
  id: string;
  kind: 'PERSON' | 'ORGANIZATION';
  expectedFacts?: ExpectedFacts;
  /** Organisations: the seal the platform signs for them with. */
  sealId?: string;
}

export interface ContractView {
  id: string;
  tenantId: string;
  state: ContractState;
  parties: PartyView[];
  documentIds: string[];
  /** Who signs each document (by document id); a document not listed, or with none, every party. */
  signers: Record<string, string[]>;
  /** Party ids per signing step; the parties of one step sign in parallel. */
  steps: string[][];
  /** Steps open so far (the document service opens them as verified signatures come in). */
  openSteps: number;
  /** The organisation that certifies every document when the contract is sent. */
  certifyingPartyId?: string;
}

export interface RevisionView {
  id: string;
  parentId?: string;
  sha256: string;
  size: number;
  kind: RevisionKind;
  madeBy: string;
  /** Who made it and for what; absent on revisions stored before it was recorded (see @jitsuin/contract). */
  provenance?: Provenance;
}

export interface DocumentView {
  id: string;
  tenantId: string;
  contractId?: string;
  headRevisionId: string;
  revisions: RevisionView[];
}

const OPEN_FOR_SIGNING: readonly ContractState[] = ['SENT', 'PARTIALLY_SIGNED'];
/** Ended contracts: nothing more is signed or sealed in them. */
const ENDED: readonly ContractState[] = ['DECLINED', 'VOIDED', 'EXPIRED', 'ARCHIVED'];

/** A card signature is made only while the contract is out for signing. */
export function checkOpenForSigning(contract: ContractView): void {
  if (!OPEN_FOR_SIGNING.includes(contract.state)) {
    throw signingError(
      'FAILED_PRECONDITION',
      'CONTRACT_CLOSED',
      `contract ${contract.id} is ${contract.state}: people sign only while it is ${OPEN_FOR_SIGNING.join(' or ')}`,
    );
  }
}

/** A seal may certify a draft or a sent contract, or close a signed one; not an ended one. */
export function checkOpenForSeal(contract: ContractView): void {
  if (ENDED.includes(contract.state)) {
    throw signingError('FAILED_PRECONDITION', 'CONTRACT_CLOSED', `contract ${contract.id} is ${contract.state}: it takes no more seals`);
  }
}

/** The party who signs with a card: a person of the contract, with facts to check. */
export function cardSigner(contract: ContractView, partyId: string): PartyView & { expectedFacts: ExpectedFacts } {
  const party = contract.parties.find((p) => p.id === partyId);
  if (!party) throw notFound(`party ${partyId} is not a party of contract ${contract.id}`);
  if (party.kind !== 'PERSON') {
    throw failedPrecondition(`party ${partyId} is an organisation: it signs with a seal (Seal), not with a card`);
  }
  if (!party.expectedFacts) throw failedPrecondition(`the contract expects no card facts of party ${partyId}`);
  return { ...party, expectedFacts: party.expectedFacts };
}

/** The name of a party's signature field: its id, without the dots a field name cannot hold. */
export const fieldNameFor = (partyId: string) => partyId.replace(/\./g, '_');

/**
 * The signing order: a party signs only in its own step, once that step is open, and a
 * document once. Checked when a signature is prepared and again when it is completed, so a
 * copied link or a replayed request cannot sign out of turn.
 */
export function checkTurn(contract: ContractView, party: PartyView, document: DocumentView): void {
  if (!signsDocument(contract, party.id, document.id)) {
    throw signingError('FAILED_PRECONDITION', 'NOT_YOUR_TURN', `party ${party.id} does not sign document ${document.id} of contract ${contract.id}`);
  }
  const step = contract.steps.findIndex((ids) => ids.includes(party.id));
  if (step < 0) throw failedPrecondition(`party ${party.id} is in no signing step of contract ${contract.id}`);
  if (step >= contract.openSteps) {
    const open = contract.openSteps === 0 ? 'no step is open yet' : `step ${contract.openSteps} is open`;
    throw signingError('FAILED_PRECONDITION', 'NOT_YOUR_TURN', `party ${party.id} signs in step ${step + 1} of contract ${contract.id}, and ${open}: wait for the invitation`);
  }
  if (hasSigned(contract, party.id, document.revisions)) throw signingError('FAILED_PRECONDITION', 'ALREADY_SIGNED', `party ${party.id} has signed document ${document.id} already`);
}

/** The document is one of the contract's, and the revision named is its head. */
export function headOf(contract: ContractView, document: DocumentView, revisionId: string): RevisionView {
  if (!contract.documentIds.includes(document.id) || document.contractId !== contract.id) {
    throw invalidArgument(`document ${document.id} is not a document of contract ${contract.id}`);
  }
  if (document.headRevisionId !== revisionId) {
    if (!document.revisions.some((r) => r.id === revisionId)) {
      throw notFound(`revision ${revisionId} of document ${document.id} not found`);
    }
    throw signingError(
      'FAILED_PRECONDITION',
      'HEAD_MOVED',
      `revision ${revisionId} is not the head of document ${document.id} (the head is ${document.headRevisionId}); sign the head revision`,
    );
  }
  const head = document.revisions.find((r) => r.id === revisionId);
  if (!head) throw new Error(`document ${document.id} names a head revision it does not list`);
  return head;
}
