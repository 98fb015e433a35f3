import { failedPrecondition, invalidArgument } from '@jitsuin/errors';

/**
 * The contract envelope and its lifecycle, as rules without I/O:
 * DRAFT → SENT → (PARTIALLY_SIGNED)* → SIGNED → SEALED/ARCHIVED, with the side exits
 * DECLINED, VOIDED and EXPIRED.
 */

export type ContractKind = 'MORTGAGE' | 'LEASE' | 'OTHER';
export type ContractState =
  | 'DRAFT'
  | 'SENT'
  | 'PARTIALLY_SIGNED'
  | 'SIGNED'
  | 'SEALED'
  | 'ARCHIVED'
  | 'DECLINED'
  | 'VOIDED'
  | 'EXPIRED';
export type PartyKind = 'PERSON' | 'ORGANIZATION';
export type PartyRole =
  | 'BORROWER'
  | 'CO_BORROWER'
  | 'GUARANTOR'
  | 'LENDER'
  | 'TENANT'
  | 'LANDLORD'
  | 'LICENSED_AGENT'
  | 'AGENCY'
  | 'OTHER';
export type Gender = 'MALE' | 'FEMALE' | 'UNKNOWN';

/** The basic-4 facts a signer's certificate must show; only those given are compared. */
export interface ExpectedFacts {
  name: string;
  address?: string;
  /** YYYY-MM-DD */
  dateOfBirth?: string;
  gender?: Gender;
}

export interface Party {
  id: string;
  kind: PartyKind;
  role: PartyRole;
  email?: string;
  /** Persons only: organisations seal with a certificate the platform holds. */
  expectedFacts?: ExpectedFacts;
  /** Organisations only: the seal key the signing service holds for them. */
  sealId?: string;
  /** The language to write to the party in; absent: the tenant's. */
  language?: Language;
}

export type Language = 'ja' | 'en';

export interface ContractDocument {
  documentId: string;
  title: string;
  /** Who signs it; absent or empty: every party. */
  signerPartyIds?: string[];
}

/** Whether `partyId` signs `document` (every party signs a document that names no signers). */
export const signsDocument = (document: ContractDocument, partyId: string) =>
  !document.signerPartyIds?.length || document.signerPartyIds.includes(partyId);

export interface SigningStep {
  partyIds: string[];
}

export type EndReason = 'DECLINED' | 'VOIDED' | 'EXPIRED' | 'VERIFICATION_FAILED';

export interface ContractEnd {
  reason: EndReason;
  partyId?: string;
  comment?: string;
  at: Date;
}

export interface ContractDraft {
  tenantId: string;
  title: string;
  kind: ContractKind;
  parties: Party[];
  documents: ContractDocument[];
  steps: SigningStep[];
  deadline: Date;
  /** The organisation that certifies every document at send; the first step waits for it. */
  certifyingPartyId?: string;
}

/** The newest revision of a document the verification service passed. */
export interface VerifiedRevision {
  documentId: string;
  revisionId: string;
}

export interface Contract extends ContractDraft {
  id: string;
  state: ContractState;
  createdAt: Date;
  updatedAt: Date;
  sentAt?: Date;
  end?: ContractEnd;
  /** Signing steps open so far: step i's parties may sign while i < openSteps. */
  openSteps: number;
  verified: VerifiedRevision[];
  /** When the reminder before the deadline was sent (once per contract). */
  remindedAt?: Date;
  version: number;
}

export const limits = {
  parties: 20,
  documents: 20,
  title: 200,
  comment: 1000,
  /** A contract left open longer than this is a mistake, not a deadline. */
  deadlineDays: 366,
} as const;

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const EMAIL_PATTERN = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

export function checkId(what: string, value: string): string {
  if (!ID_PATTERN.test(value)) {
    throw invalidArgument(
      `${what} must be 1 to 64 letters, digits, '.', '_' or '-' (got ${JSON.stringify(value.slice(0, 70))})`,
    );
  }
  return value;
}

function checkText(what: string, value: string, max: number, required = true): string {
  const trimmed = value.trim();
  if (required && trimmed === '') throw invalidArgument(`${what} is required`);
  if (trimmed.length > max) throw invalidArgument(`${what} is longer than ${max} characters`);
  return trimmed;
}

function checkDateOfBirth(value: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const date = match ? new Date(`${value}T00:00:00Z`) : undefined;
  if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    throw invalidArgument(`date of birth must be a real date written YYYY-MM-DD`);
  }
  return value;
}

function checkParty(party: Party, index: number): Party {
  const where = `party ${index + 1}`;
  checkId(`${where} id`, party.id);
  const email = party.email ? checkText(`${where} email`, party.email, 320, false) : undefined;
  if (email && !EMAIL_PATTERN.test(email)) throw invalidArgument(`${where} email is not an address`);
  if (party.kind === 'ORGANIZATION') {
    if (party.expectedFacts) {
      throw invalidArgument(`${where} is an organisation: it has no basic-4 facts to expect`);
    }
    const sealId = party.sealId?.trim() ? checkId(`${where} seal id`, party.sealId.trim()) : undefined;
    return { id: party.id, kind: party.kind, role: party.role, email, ...(sealId ? { sealId } : {}), ...(party.language ? { language: party.language } : {}) };
  }
  if (party.sealId) throw invalidArgument(`${where} is a person: they sign with their card, not a seal`);
  const facts = party.expectedFacts;
  if (!facts || facts.name.trim() === '') {
    throw invalidArgument(`${where} is a person: the name on their card is required`);
  }
  return {
    id: party.id,
    kind: party.kind,
    role: party.role,
    email,
    expectedFacts: {
      name: checkText(`${where} name`, facts.name, 100),
      address: facts.address ? checkText(`${where} address`, facts.address, 300) : undefined,
      dateOfBirth: facts.dateOfBirth ? checkDateOfBirth(facts.dateOfBirth) : undefined,
      gender: facts.gender,
    },
    ...(party.language ? { language: party.language } : {}),
  };
}

/** Checks a new contract and returns it normalised; every problem names what to fix. */
export function checkDraft(draft: ContractDraft, now: Date): ContractDraft {
  checkId('tenant id', draft.tenantId);
  const title = checkText('title', draft.title, limits.title);

  if (draft.parties.length === 0) throw invalidArgument('a contract needs at least one party');
  if (draft.parties.length > limits.parties) {
    throw invalidArgument(`a contract has at most ${limits.parties} parties`);
  }
  const parties = draft.parties.map(checkParty);
  const partyIds = new Set<string>();
  for (const party of parties) {
    if (partyIds.has(party.id)) throw invalidArgument(`party id ${party.id} is used twice`);
    partyIds.add(party.id);
  }

  if (draft.documents.length === 0) throw invalidArgument('a contract needs at least one document');
  if (draft.documents.length > limits.documents) {
    throw invalidArgument(`a contract has at most ${limits.documents} documents`);
  }
  const documentIds = new Set<string>();
  const documents = draft.documents.map((doc, i) => {
    checkId(`document ${i + 1} id`, doc.documentId);
    if (documentIds.has(doc.documentId)) {
      throw invalidArgument(`document ${doc.documentId} is listed twice`);
    }
    documentIds.add(doc.documentId);
    const signers = [...new Set(doc.signerPartyIds ?? [])];
    for (const id of signers) {
      if (!partyIds.has(id)) throw invalidArgument(`document ${doc.documentId} names unknown signer ${id}`);
    }
    return {
      documentId: doc.documentId,
      title: checkText(`document ${i + 1} title`, doc.title, limits.title),
      ...(signers.length > 0 ? { signerPartyIds: signers } : {}),
    };
  });

  if (draft.steps.length === 0) throw invalidArgument('a contract needs at least one signing step');
  const placed = new Set<string>();
  const steps = draft.steps.map((step, i) => {
    if (step.partyIds.length === 0) throw invalidArgument(`signing step ${i + 1} has no party`);
    for (const id of step.partyIds) {
      if (!partyIds.has(id)) throw invalidArgument(`signing step ${i + 1} names unknown party ${id}`);
      if (placed.has(id)) throw invalidArgument(`party ${id} is in more than one signing step`);
      placed.add(id);
    }
    return { partyIds: [...step.partyIds] };
  });
  const unplaced = [...partyIds].filter((id) => !placed.has(id));
  if (unplaced.length > 0) {
    throw invalidArgument(`every party signs in a step; not placed: ${unplaced.join(', ')}`);
  }
  const idle = [...partyIds].filter((id) => !documents.some((d) => signsDocument(d, id)));
  if (idle.length > 0) throw invalidArgument(`every party signs a document; signs none: ${idle.join(', ')}`);
  // The platform seals for organisations: each one in a step needs the seal it seals with.
  for (const party of parties) {
    if (party.kind === 'ORGANIZATION' && !party.sealId) {
      throw invalidArgument(`party ${party.id} is an organisation: name the seal the platform signs for it with (seal id)`);
    }
  }
  const certifier = draft.certifyingPartyId ? parties.find((p) => p.id === draft.certifyingPartyId) : undefined;
  if (draft.certifyingPartyId && certifier?.kind !== 'ORGANIZATION') {
    throw invalidArgument(`the certifying party ${draft.certifyingPartyId} must be an organisation of the contract (it certifies with its seal)`);
  }

  if (Number.isNaN(draft.deadline.getTime())) throw invalidArgument('a deadline is required');
  if (draft.deadline <= now) throw invalidArgument('the deadline must be in the future');
  if (draft.deadline.getTime() - now.getTime() > limits.deadlineDays * 86_400_000) {
    throw invalidArgument(`the deadline must be within ${limits.deadlineDays} days`);
  }

  return {
    tenantId: draft.tenantId,
    title,
    kind: draft.kind,
    parties,
    documents,
    steps,
    deadline: draft.deadline,
    ...(certifier ? { certifyingPartyId: certifier.id } : {}),
  };
}

export type ContractAction =
  | { type: 'send' }
  | { type: 'void'; comment?: string }
  | { type: 'decline'; partyId: string; comment?: string }
  | { type: 'expire' };

/** What an action changes; the caller stores it, with its events, in one update. */
export interface ContractChange {
  state: ContractState;
  sentAt?: Date;
  end?: ContractEnd;
  openSteps?: number;
  verified?: VerifiedRevision[];
}

const OPEN_FOR_SIGNING: readonly ContractState[] = ['SENT', 'PARTIALLY_SIGNED'];

function refuse(contract: Contract, action: string, allowed: readonly ContractState[]): never {
  throw failedPrecondition(
    `cannot ${action} a contract that is ${contract.state}; only when ${allowed.join(' or ')}`,
  );
}

export function decide(contract: Contract, action: ContractAction, now: Date): ContractChange {
  switch (action.type) {
    case 'send': {
      if (contract.state !== 'DRAFT') refuse(contract, 'send', ['DRAFT']);
      if (contract.deadline <= now) {
        throw failedPrecondition('the deadline has passed; create the contract again with a new one');
      }
      // Without a certification the first step opens now; with one, once it is verified.
      return { state: 'SENT', sentAt: now, openSteps: contract.certifyingPartyId ? 0 : 1 };
    }
    case 'void': {
      const allowed: ContractState[] = ['DRAFT', ...OPEN_FOR_SIGNING];
      if (!allowed.includes(contract.state)) refuse(contract, 'void', allowed);
      const comment = action.comment ? checkText('comment', action.comment, limits.comment, false) : undefined;
      return { state: 'VOIDED', end: { reason: 'VOIDED', comment, at: now } };
    }
    case 'decline': {
      if (!OPEN_FOR_SIGNING.includes(contract.state)) refuse(contract, 'decline', OPEN_FOR_SIGNING);
      if (!contract.parties.some((p) => p.id === action.partyId)) {
        throw invalidArgument(`party ${action.partyId} is not a party of this contract`);
      }
      const comment = action.comment ? checkText('comment', action.comment, limits.comment, false) : undefined;
      return { state: 'DECLINED', end: { reason: 'DECLINED', partyId: action.partyId, comment, at: now } };
    }
    case 'expire': {
      if (!OPEN_FOR_SIGNING.includes(contract.state)) refuse(contract, 'expire', OPEN_FOR_SIGNING);
      if (now < contract.deadline) {
        throw failedPrecondition(`the deadline ${contract.deadline.toISOString()} has not passed yet`);
      }
      return { state: 'EXPIRED', end: { reason: 'EXPIRED', at: now } };
    }
  }
}
