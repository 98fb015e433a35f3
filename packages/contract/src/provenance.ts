import { invalidArgument } from '@jitsuin/errors';

/**
 * Who made each revision of a contract's document and for what, recorded once where the
 * revision is made (the signing service) and stored with it (the document service). Everything
 * that asks whether a document is certified, signed by a party, sealed or extended reads it
 * here (questions.ts); revisions stored before it was recorded are read from their kind and
 * made-by words, here and nowhere else.
 */

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

/** What the update holds. */
export type RevisionKind = 'ORIGINAL' | 'SIGNATURE' | 'SEAL' | 'TIMESTAMP' | 'VALIDATION_DATA';

/**
 * What the revision is for:
 * - CERTIFICATION: the certifying organisation's certification, the document's first change;
 * - SIGNATURE: a person party's card signature;
 * - SEAL: an organisation party's seal in its step;
 * - TIMESTAMP: a document timestamp that makes a signature B-T;
 * - EXTENSION: validation data (B-LT) and the document timestamp over it (B-LTA).
 */
export type RevisionPurpose = 'ORIGINAL' | 'CERTIFICATION' | 'SIGNATURE' | 'SEAL' | 'TIMESTAMP' | 'EXTENSION';

export interface Provenance {
  purpose: RevisionPurpose;
  /** The party that made it: for a certification, a signature, a seal. */
  partyId?: string;
  /** The seal key used: for a certification or a seal. */
  sealId?: string;
}

/** A revision as both services hold one; `provenance` is absent on revisions stored before it was recorded. */
export interface RevisionFacts {
  id: string;
  kind: RevisionKind;
  madeBy: string;
  provenance?: Provenance | undefined;
}

export interface PartyTerms {
  id: string;
  kind: 'PERSON' | 'ORGANIZATION';
  /** Organisations: the seal the platform signs for them with. */
  sealId?: string | undefined;
}

/** What the rules need to know of a contract. */
export interface ContractTerms {
  state: ContractState;
  parties: readonly PartyTerms[];
  /** Party ids per signing step; the parties of one step sign in parallel. */
  steps: readonly (readonly string[])[];
  /** Who signs each document, by document id; a document not listed, or with none, every party. */
  signers: Readonly<Record<string, readonly string[]>>;
  /** Steps open so far: step i's parties may sign while i < openSteps. */
  openSteps: number;
  /** The organisation that certifies every document when the contract is sent. */
  certifyingPartyId?: string | undefined;
}

/** The made-by words of a seal (what revisions carried before provenance, and still carry). */
export const sealMaker = (sealId: string) => `seal:${sealId}`;
const SEAL_MAKER = /^seal:(.+)$/;

/** Whether `partyId` signs `documentId` (every party signs a document that names no signers). */
export function signsDocument(contract: Pick<ContractTerms, 'signers'>, partyId: string, documentId: string): boolean {
  const signers = contract.signers[documentId];
  return !signers?.length || signers.includes(partyId);
}

/**
 * A revision stored before provenance was recorded, read as the document service read it then:
 * the first change is the certification when it is a seal with the certifying organisation's
 * seal; any other seal is the seal of the organisation that holds that seal; a timestamp right
 * after validation data ends the B-LTA extension.
 */
function legacyProvenance(contract: Pick<ContractTerms, 'parties' | 'certifyingPartyId'>, revisions: readonly RevisionFacts[], index: number): Provenance {
  const revision = revisions[index]!;
  switch (revision.kind) {
    case 'ORIGINAL':
      return { purpose: 'ORIGINAL' };
    case 'SIGNATURE':
      return { purpose: 'SIGNATURE', partyId: revision.madeBy };
    case 'VALIDATION_DATA':
      return { purpose: 'EXTENSION' };
    case 'TIMESTAMP':
      return { purpose: revisions[index - 1]?.kind === 'VALIDATION_DATA' ? 'EXTENSION' : 'TIMESTAMP' };
    case 'SEAL': {
      const sealId = SEAL_MAKER.exec(revision.madeBy)?.[1];
      if (!sealId) return { purpose: 'SEAL' };
      const certifier = contract.parties.find((p) => p.id === contract.certifyingPartyId);
      if (index === 1 && certifier && certifier.sealId === sealId) return { purpose: 'CERTIFICATION', partyId: certifier.id, sealId };
      const party = contract.parties.find((p) => p.kind === 'ORGANIZATION' && p.sealId === sealId);
      return { purpose: 'SEAL', ...(party ? { partyId: party.id } : {}), sealId };
    }
  }
}

/** The provenance of the revision at `index`: as recorded, or read from its kind and made-by words. */
export function provenanceAt(contract: Pick<ContractTerms, 'parties' | 'certifyingPartyId'>, revisions: readonly RevisionFacts[], index: number): Provenance {
  const revision = revisions[index];
  if (!revision) throw new Error(`no revision at ${index} of a chain of ${revisions.length}`);
  return revision.provenance ?? legacyProvenance(contract, revisions, index);
}

/** Every revision of a chain (original first) with its provenance. */
export function withProvenance<R extends RevisionFacts>(
  contract: Pick<ContractTerms, 'parties' | 'certifyingPartyId'>,
  revisions: readonly R[],
): { revision: R; provenance: Provenance }[] {
  return revisions.map((revision, i) => ({ revision, provenance: provenanceAt(contract, revisions, i) }));
}

/**
 * The provenance of a seal the platform makes with `sealId` on `documentId` when the caller
 * names no party (the Seal call): a certification by the certifying organisation when it
 * certifies with its seal, otherwise the seal of the organisation that holds the seal and
 * signs the document.
 */
export function sealProvenance(contract: ContractTerms, documentId: string, sealId: string, certify: boolean): Provenance {
  const certifier = contract.parties.find((p) => p.id === contract.certifyingPartyId);
  if (certify && certifier?.sealId === sealId) return { purpose: 'CERTIFICATION', partyId: certifier.id, sealId };
  const holders = contract.parties.filter((p) => p.kind === 'ORGANIZATION' && p.sealId === sealId);
  const party = holders.find((p) => signsDocument(contract, p.id, documentId)) ?? holders[0];
  return { purpose: 'SEAL', ...(party ? { partyId: party.id } : {}), sealId };
}

/** The kinds of update each purpose is made of. */
const KINDS: Record<RevisionPurpose, readonly RevisionKind[]> = {
  ORIGINAL: ['ORIGINAL'],
  CERTIFICATION: ['SEAL'],
  SIGNATURE: ['SIGNATURE'],
  SEAL: ['SEAL'],
  TIMESTAMP: ['TIMESTAMP'],
  EXTENSION: ['VALIDATION_DATA', 'TIMESTAMP'],
};

/**
 * Refuses a provenance that does not fit the revision it comes with: its kind, and, when the
 * document belongs to a contract, the contract's parties (a signature by one of its people, a
 * seal by one of its organisations with that organisation's seal, the certification by the
 * certifying organisation as the document's first change). `revisions` is the chain the new
 * revision extends.
 */
export function checkProvenance(
  provenance: Provenance,
  kind: RevisionKind,
  revisions: readonly RevisionFacts[],
  contract: Pick<ContractTerms, 'parties' | 'certifyingPartyId'> | undefined,
): void {
  const { purpose, partyId, sealId } = provenance;
  if (purpose === 'ORIGINAL') throw invalidArgument('a new revision cannot be an original');
  if (!KINDS[purpose].includes(kind)) {
    throw invalidArgument(`a revision of kind ${kind} cannot be a ${purpose.toLowerCase()} (that is made of ${KINDS[purpose].join(' or ')})`);
  }
  const byParty = purpose === 'CERTIFICATION' || purpose === 'SIGNATURE' || purpose === 'SEAL';
  if (!byParty && (partyId || sealId)) throw invalidArgument(`a ${purpose.toLowerCase()} is made by the platform: it names no party or seal`);
  if ((purpose === 'CERTIFICATION' || purpose === 'SIGNATURE') && !partyId) throw invalidArgument(`a ${purpose.toLowerCase()} names the party that made it`);
  if ((purpose === 'CERTIFICATION' || purpose === 'SEAL') && !sealId) throw invalidArgument(`a ${purpose.toLowerCase()} names the seal it was made with`);
  if (purpose === 'SIGNATURE' && sealId) throw invalidArgument('a card signature names no seal');
  if (purpose === 'CERTIFICATION' && revisions.length !== 1) {
    throw invalidArgument('a certification is the first change to a document: this one has changed since its upload');
  }
  if (!contract || !partyId) return;
  const party = contract.parties.find((p) => p.id === partyId);
  if (!party) throw invalidArgument(`party ${partyId} is not a party of the document's contract`);
  if (purpose === 'SIGNATURE' && party.kind !== 'PERSON') throw invalidArgument(`party ${partyId} is an organisation: it seals, it does not sign with a card`);
  if (purpose !== 'SIGNATURE') {
    if (party.kind !== 'ORGANIZATION' || party.sealId !== sealId) throw invalidArgument(`seal ${sealId} is not the seal of party ${partyId}`);
    if (purpose === 'CERTIFICATION' && contract.certifyingPartyId !== partyId) {
      throw invalidArgument(`party ${partyId} is not the contract's certifying organisation`);
    }
  }
}
