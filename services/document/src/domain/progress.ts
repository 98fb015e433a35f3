import { certificationOf, extensionOf, hasSigned } from '@jitsuin/contract';
import { type Contract, type ContractChange, type Party, signsDocument, type VerifiedRevision } from './contract.js';
import type { Revision } from './document.js';

/**
 * How a sent contract moves on, as rules without I/O. The facts are the documents' revision
 * chains (who made each revision and for what, read by @jitsuin/contract) and, per document,
 * the newest revision the verification service passed: a signature counts once a verified
 * revision holds it, so a signature that does not verify never opens the next step.
 *
 *   certification (when the contract has a certifying party) verified on every document
 *     → step 1 opens → its parties have signed every document → step 2 opens → ...
 *     → the last step done: SIGNED → every document extended to B-LTA and verified: SEALED.
 */

/** A document's revisions, original first, as the document store keeps them. */
export interface DocumentChain {
  documentId: string;
  revisions: Revision[];
}

/** The revisions of `chain` up to and including the verified one; none when nothing is verified. */
function verifiedPart(chain: DocumentChain, verified: readonly VerifiedRevision[]): Revision[] {
  const id = verified.find((v) => v.documentId === chain.documentId)?.revisionId;
  const at = id ? chain.revisions.findIndex((r) => r.id === id) : -1;
  return chain.revisions.slice(0, at + 1);
}

/** Whether `party` signed every document it signs, within `revisionsOf` each. */
export function signedAll(contract: Contract, party: Party, chains: DocumentChain[], revisionsOf: (chain: DocumentChain) => Revision[]): boolean {
  return contract.documents.every((d) => {
    if (!signsDocument(d, party.id)) return true;
    const chain = chains.find((c) => c.documentId === d.documentId);
    return chain !== undefined && hasSigned(contract, party.id, revisionsOf(chain));
  });
}

/** How many leading steps are done on every document (as verified). */
export function stepsDone(contract: Contract, chains: DocumentChain[]): number {
  let done = 0;
  for (const step of contract.steps) {
    const parties = step.partyIds.map((id) => contract.parties.find((p) => p.id === id)!);
    if (!parties.every((party) => signedAll(contract, party, chains, (c) => verifiedPart(c, contract.verified)))) break;
    done++;
  }
  return done;
}

/** Every document's certification is verified (true when the contract has no certifier). */
export function certified(contract: Contract, chains: DocumentChain[]): boolean {
  if (!contract.certifyingPartyId) return true;
  return chains.every((c) => certificationOf(contract, verifiedPart(c, contract.verified)) !== undefined);
}

/** The verified revisions with `revisionId` recorded for its document, when it is newer. */
export function withVerified(contract: Contract, chains: DocumentChain[], documentId: string, revisionId: string): VerifiedRevision[] | undefined {
  const chain = chains.find((c) => c.documentId === documentId);
  const at = chain?.revisions.findIndex((r) => r.id === revisionId) ?? -1;
  if (!chain || at < 0) return undefined;
  const current = contract.verified.find((v) => v.documentId === documentId);
  if (current && chain.revisions.findIndex((r) => r.id === current.revisionId) >= at) return undefined;
  return [...contract.verified.filter((v) => v.documentId !== documentId), { documentId, revisionId }];
}

/**
 * The next change the facts call for, or undefined when the contract waits. One step at a
 * time: a later event (or the same one again) finds the next.
 */
export function nextProgress(contract: Contract, chains: DocumentChain[]): ContractChange | undefined {
  if (!['SENT', 'PARTIALLY_SIGNED', 'SIGNED'].includes(contract.state)) return undefined;
  if (!certified(contract, chains)) return undefined;
  const done = stepsDone(contract, chains);
  if (done < contract.steps.length) {
    if (contract.openSteps > done) return undefined;
    return { state: done > 0 ? 'PARTIALLY_SIGNED' : contract.state, openSteps: done + 1 };
  }
  if (contract.state !== 'SIGNED') return { state: 'SIGNED', openSteps: contract.steps.length };
  const verified = chains.map((c) => verifiedPart(c, contract.verified));
  return verified.every((revisions) => extensionOf(contract, revisions) !== undefined) ? { state: 'SEALED' } : undefined;
}
