import { outboxEntries } from '@jitsuin/store';
import type { Contract, ContractChange } from '../domain/contract.js';
import { type DocumentChain, nextProgress, withVerified } from '../domain/progress.js';
import { contractChanged } from '../events/payloads.js';
import type { ContractRepository } from '../store/contracts.js';
import type { DocumentRepository } from '../store/documents.js';

/** A verification verdict on a revision, as the verification service announces it. */
export interface RevisionVerdict {
  tenantId: string;
  contractId: string;
  documentId: string;
  revisionId: string;
  indication: 'TOTAL_PASSED' | 'INDETERMINATE' | 'TOTAL_FAILED' | 'NO_SIGNATURE_FOUND';
  subIndication?: string;
}

/** Changes of one contract in a row before giving up on writers racing for it. */
const ATTEMPTS = 8;

/**
 * Moves contracts on from verification verdicts (see domain/progress.ts): records the newest
 * passed revision of each document, opens the next step, marks the contract signed and, once
 * every document is long-term verifiable, sealed. A failed verification stops the contract and
 * says why. Idempotent: a verdict seen again changes nothing.
 */
export class ContractProgress {
  constructor(
    private readonly contracts: ContractRepository,
    private readonly documents: DocumentRepository,
    private readonly changed: (id: string) => void = () => {},
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Applies a verdict; returns the contract as it was left (undefined when unknown). */
  async onVerdict(verdict: RevisionVerdict): Promise<Contract | undefined> {
    let recorded = false;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const contract = await this.contracts.find(verdict.tenantId, verdict.contractId);
      if (!contract) return undefined;
      const chains = await this.chains(contract);
      const change = recorded ? nextProgress(contract, chains) : this.decide(contract, chains, verdict);
      if (!change) return contract;
      const now = this.now();
      const stateChange = change.state !== contract.state || (change.openSteps ?? contract.openSteps) !== contract.openSteps;
      const events = stateChange ? outboxEntries(contract.tenantId, contract.id, contractChanged(contract, change)) : [];
      const fields = { ...change, updatedAt: now };
      if (await this.contracts.update(contract, fields, events)) {
        if (events.length > 0) this.changed(contract.id);
        // The verdict is in; what it made possible may allow one more step (signed → sealed).
        recorded = true;
        attempt = -1;
      }
    }
    throw new Error(`contract ${verdict.contractId} kept changing while a verification verdict was applied`);
  }

  private decide(contract: Contract, chains: DocumentChain[], verdict: RevisionVerdict): ContractChange | undefined {
    const open = contract.state === 'SENT' || contract.state === 'PARTIALLY_SIGNED' || contract.state === 'SIGNED';
    if (verdict.indication === 'TOTAL_FAILED') {
      if (!open) return undefined;
      const words = `verification of document ${verdict.documentId} (revision ${verdict.revisionId}) failed: ${verdict.subIndication || 'TOTAL_FAILED'}`;
      return { state: 'VOIDED', end: { reason: 'VERIFICATION_FAILED', comment: words, at: this.now() } };
    }
    // INDETERMINATE (e.g. a revocation source away) neither passes nor stops: a later verdict decides.
    if (verdict.indication !== 'TOTAL_PASSED') return undefined;
    const verified = withVerified(contract, chains, verdict.documentId, verdict.revisionId);
    const withIt = verified ? { ...contract, verified } : contract;
    const next = nextProgress(withIt, chains);
    if (!verified) return next;
    return { state: contract.state, ...next, verified };
  }

  private async chains(contract: Contract): Promise<DocumentChain[]> {
    const ids = contract.documents.map((d) => d.documentId);
    const found = await this.documents.findMany(contract.tenantId, ids);
    return ids.map((documentId) => ({ documentId, revisions: found.find((d) => d.id === documentId)?.revisions ?? [] }));
  }
}
