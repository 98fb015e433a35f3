import { JitsuinError } from '@jitsuin/errors';
import type { EventEnvelope } from '@jitsuin/events';
import type { Logger } from '@jitsuin/rpc';
import type { FieldSpec, PadesLevel } from '@jitsuin/signer';
import type { DocumentService } from '../clients/document-service.js';
import { checkTurn, type ContractView, type DocumentView, fieldNameFor, type PartyView, sealMaker, signsDocument } from '../domain/contract.js';
import type { Signing } from './signing.js';

/**
 * Runs `act` on every document at once (they are independent revision chains; the signing
 * service's memory budget bounds what runs together) and fails, after all have ended, with the
 * first failure: a redelivered event then finds done what was done.
 */
async function eachDocument(documentIds: string[], act: (documentId: string) => Promise<void>): Promise<void> {
  const results = await Promise.allSettled(documentIds.map(act));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** The field the certifying organisation's own signature goes in. */
export const CERTIFICATION_FIELD = 'Certification';

/**
 * What the platform signs by itself as a contract moves on (the document service opens each
 * step once the signatures before it are verified):
 *   contract.sent        → the certifying organisation certifies every document (DocMDP P=2),
 *                          laying out a signature field for every party, the last step's
 *                          organisation's field locking the document;
 *   contract.step_opened → the organisations of that step seal every document;
 *   contract.signed      → every document is extended to B-LTA.
 * Each is announced with signature.applied (then verified, which moves the contract on).
 * Idempotent: what a document already holds is not signed again, so a redelivered event (or
 * a replica handling the same one after a crash) changes nothing.
 */
export class ContractAutomation {
  constructor(
    private readonly signing: Signing,
    private readonly documents: DocumentService,
    private readonly settings: { level: PadesLevel; callTimeoutMs: number },
    private readonly logger: Logger,
  ) {}

  async handle(event: EventEnvelope): Promise<void> {
    const payload = event.payload;
    switch (payload?.$case) {
      case 'contractSent':
        return this.forContract(event, payload.value.contractId, (c) => this.certify(c));
      case 'contractStepOpened':
        return this.forContract(event, payload.value.contractId, (c) => this.sealStep(c, payload.value.stepIndex));
      case 'contractSigned':
        return this.forContract(event, payload.value.contractId, (c) => this.extendAll(c));
      default:
        return;
    }
  }

  private async forContract(event: EventEnvelope, contractId: string, act: (contract: ContractView) => Promise<void>): Promise<void> {
    try {
      // Inside the try: a contract the document service does not hold (NOT_FOUND) is not one to
      // retry either; retried, each such event held its partition for seconds, then was dead-lettered.
      const contract = await this.documents.getContract(event.tenantId, contractId, this.limits());
      await act(contract);
    } catch (err) {
      // The contract ended or moved on meanwhile, or a seal is not configured: nothing to retry.
      if (err instanceof JitsuinError && (err.kind === 'FAILED_PRECONDITION' || err.kind === 'NOT_FOUND')) {
        this.logger.warn({ contractId, event: event.type, err: err.message }, 'the platform cannot sign for this contract');
        return;
      }
      throw err;
    }
  }

  private async certify(contract: ContractView): Promise<void> {
    const certifier = contract.parties.find((p) => p.id === contract.certifyingPartyId);
    const sealId = certifier?.sealId;
    if (!sealId) return;
    const last = contract.steps.length - 1;
    await eachDocument(contract.documentIds, async (documentId) => {
      // A field for each party who signs this document.
      const addFields: FieldSpec[] = contract.steps.flatMap((ids, step) =>
        ids
          .filter((id) => signsDocument(contract, id, documentId))
          .map((id) => ({
            fieldName: fieldNameFor(id),
            // The final seal locks the document: the lock must be on its field before it is signed.
            ...(step === last && this.party(contract, id).kind === 'ORGANIZATION' ? { lock: true } : {}),
          })),
      );
      const document = await this.documents.getDocument(contract.tenantId, documentId, this.limits());
      const first = document.revisions[1];
      if (first?.kind === 'SEAL' && first.madeBy === sealMaker(sealId)) {
        // Certified already: announced too, unless the answer to that was lost.
        await this.signing.announceMade(contract, documentId, first, { kind: 'SEAL', partyId: sealId, fieldName: CERTIFICATION_FIELD, level: this.settings.level, sealId });
        return;
      }
      await this.signing.seal(
        {
          revision: this.ref(contract, document),
          sealId,
          placement: { fieldName: CERTIFICATION_FIELD },
          level: this.settings.level,
          certify: 2,
          lock: false,
          addFields,
        },
        this.limits(),
      );
    });
  }

  private async sealStep(contract: ContractView, stepIndex: number): Promise<void> {
    const organisations = (contract.steps[stepIndex] ?? []).map((id) => this.party(contract, id)).filter((p) => p.kind === 'ORGANIZATION');
    const last = stepIndex === contract.steps.length - 1;
    // Documents side by side; on one document the organisations of the step one after another.
    await eachDocument(contract.documentIds, async (documentId) => {
      for (const party of organisations) {
        const sealId = party.sealId;
        if (!sealId || !signsDocument(contract, party.id, documentId)) continue;
        const document = await this.documents.getDocument(contract.tenantId, documentId, this.limits());
        try {
          checkTurn(contract, party, document);
        } catch (err) {
          if (err instanceof JitsuinError && 'code' in err && err.code === 'ALREADY_SIGNED') {
            const sealed = document.revisions.filter((r) => r.kind === 'SEAL' && r.madeBy === sealMaker(sealId) && r !== document.revisions[1]).at(-1);
            // Sealed already: announced too, unless the answer to that was lost.
            if (sealed) await this.signing.announceMade(contract, documentId, sealed, { kind: 'SEAL', partyId: sealId, fieldName: fieldNameFor(party.id), level: this.settings.level, sealId });
            continue;
          }
          throw err;
        }
        await this.signing.seal(
          {
            revision: this.ref(contract, document),
            sealId,
            placement: { fieldName: fieldNameFor(party.id) },
            level: this.settings.level,
            // A certified document has the lock on the field already; otherwise the last seal adds it.
            lock: last && !contract.certifyingPartyId,
          },
          this.limits(),
        );
      }
    });
  }

  private async extendAll(contract: ContractView): Promise<void> {
    await eachDocument(contract.documentIds, async (documentId) => {
      const document = await this.documents.getDocument(contract.tenantId, documentId, this.limits());
      const [before, head] = document.revisions.slice(-2);
      if (head?.kind === 'TIMESTAMP' && before?.kind === 'VALIDATION_DATA') {
        await this.signing.announceMade(contract, documentId, head, { kind: 'TIMESTAMP', partyId: 'signing-service', fieldName: '', level: 'B-LTA' });
        return;
      }
      await this.signing.extend({ revision: this.ref(contract, document), level: 'B-LTA' }, this.limits());
    });
  }

  private party(contract: ContractView, id: string): PartyView {
    const party = contract.parties.find((p) => p.id === id);
    if (!party) throw new Error(`contract ${contract.id} names party ${id} in a step but not among its parties`);
    return party;
  }

  private ref(contract: ContractView, document: DocumentView) {
    return { tenantId: contract.tenantId, contractId: contract.id, documentId: document.id, revisionId: document.headRevisionId };
  }

  /** A bound on each call: a document service or TSA that hangs does not hold the consumer. */
  private limits() {
    return { signal: AbortSignal.timeout(this.settings.callTimeoutMs * 4) };
  }
}
