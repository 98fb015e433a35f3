import { type ContractTerms, provenanceAt, type RevisionFacts, signsDocument, withProvenance } from './provenance.js';

/**
 * What the services ask of a document's revision chain (original first), answered from the
 * revisions' provenance. Pass the part of the chain that counts: the document service passes
 * the revisions up to the newest verified one, the signing service the whole chain.
 */

type Terms = Pick<ContractTerms, 'parties' | 'certifyingPartyId'>;

/** The certification, when the chain has one: the first change, by the certifying organisation. */
export function certificationOf<R extends RevisionFacts>(contract: Terms, revisions: readonly R[]): R | undefined {
  if (!contract.certifyingPartyId || revisions.length < 2) return undefined;
  const first = provenanceAt(contract, revisions, 1);
  return first.purpose === 'CERTIFICATION' && first.partyId === contract.certifyingPartyId ? revisions[1] : undefined;
}

/**
 * The revision holding `partyId`'s signature (a person's card signature, an organisation's
 * seal in its step; a certification is not one), the newest when there are several.
 */
export function signatureOf<R extends RevisionFacts>(contract: Terms, partyId: string, revisions: readonly R[]): R | undefined {
  return withProvenance(contract, revisions)
    .filter(({ provenance: p }) => (p.purpose === 'SIGNATURE' || p.purpose === 'SEAL') && p.partyId === partyId)
    .at(-1)?.revision;
}

/** Whether `partyId` has signed (or, an organisation, sealed) the document. */
export function hasSigned(contract: Terms, partyId: string, revisions: readonly RevisionFacts[]): boolean {
  return signatureOf(contract, partyId, revisions) !== undefined;
}

/** The parties that signed or sealed the document, in the order they did. */
export function signersOf(contract: Terms, revisions: readonly RevisionFacts[]): string[] {
  const ids = withProvenance(contract, revisions)
    .filter(({ provenance: p }) => p.purpose === 'SIGNATURE' || p.purpose === 'SEAL')
    .flatMap(({ provenance: p }) => (p.partyId ? [p.partyId] : []));
  return [...new Set(ids)];
}

/** The revision that made the document long-term verifiable (B-LTA): the head, when it ends the extension with a document timestamp. */
export function extensionOf<R extends RevisionFacts>(contract: Terms, revisions: readonly R[]): R | undefined {
  const head = revisions.at(-1);
  if (!head || head.kind !== 'TIMESTAMP') return undefined;
  return provenanceAt(contract, revisions, revisions.length - 1).purpose === 'EXTENSION' ? head : undefined;
}

/** What the platform signs by itself, for a document of a contract. */
export type PlatformAct =
  | { purpose: 'CERTIFICATION'; partyId: string; sealId: string }
  | { purpose: 'SEAL'; partyId: string; sealId: string; step: number }
  | { purpose: 'EXTENSION' };

const MOVING: readonly ContractState[] = ['SENT', 'PARTIALLY_SIGNED', 'SIGNED'];
type ContractState = ContractTerms['state'];

/**
 * The next thing the platform must sign on `documentId` itself, or undefined when it waits for
 * people (or the verification service) or the contract is not moving:
 *   sent with a certifier → the certification, while the document is as uploaded;
 *   a step open → the seal of each of its organisations that signs the document, in step order;
 *   signed → the extension to B-LTA.
 * Done is read from the chain, so an event seen again finds nothing left to do.
 */
export function nextPlatformAct(contract: ContractTerms, documentId: string, revisions: readonly RevisionFacts[]): PlatformAct | undefined {
  if (!MOVING.includes(contract.state)) return undefined;
  const party = (id: string) => contract.parties.find((p) => p.id === id);
  const certifier = contract.certifyingPartyId ? party(contract.certifyingPartyId) : undefined;
  if (contract.certifyingPartyId && !certificationOf(contract, revisions)) {
    // Certified first or never: a document signed before it was certified stays uncertified
    // (and its contract does not move on).
    return certifier?.sealId && revisions.length === 1 ? { purpose: 'CERTIFICATION', partyId: certifier.id, sealId: certifier.sealId } : undefined;
  }
  const open = Math.min(contract.openSteps, contract.steps.length);
  for (let step = 0; step < open; step++) {
    for (const id of contract.steps[step]!) {
      const organisation = party(id);
      if (organisation?.kind !== 'ORGANIZATION' || !organisation.sealId || !signsDocument(contract, id, documentId)) continue;
      if (!hasSigned(contract, id, revisions)) return { purpose: 'SEAL', partyId: id, sealId: organisation.sealId, step };
    }
  }
  if (contract.state === 'SIGNED' && !extensionOf(contract, revisions)) return { purpose: 'EXTENSION' };
  return undefined;
}
