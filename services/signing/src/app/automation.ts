import { certificationOf, extensionOf, nextPlatformAct, type PlatformAct, signatureOf, signsDocument } from '@jitsuin/contract';
import { JitsuinError } from '@jitsuin/errors';
import type { EventEnvelope } from '@jitsuin/events';
import type { Logger } from '@jitsuin/rpc';
import type { FieldSpec, PadesLevel } from '@jitsuin/signer';
import type { DocumentService } from '../clients/document-service.js';
import { type ContractView, type DocumentView, fieldNameFor, type PartyView, type RevisionView } from '../domain/contract.js';
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
        return this.forContract(event, payload.value.contractId, (c) => this.advance(c, (act) => act.purpose === 'CERTIFICATION'));
      case 'contractStepOpened': {
        const { stepIndex } = payload.value;
        return this.forContract(event, payload.value.contractId, (c) => this.advance(c, (act) => act.purpose === 'SEAL' && (c.steps[stepIndex] ?? []).includes(act.partyId)));
      }
      case 'contractSigned':
        return this.forContract(event, payload.value.contractId, (c) => this.advance(c, (act) => act.purpose === 'EXTENSION'));
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

  /**
   * On every document, what the platform must sign next (as @jitsuin/contract reads the chain)
   * while it is what the event is about; then what the event asked for, done now or before, is
   * announced unless it was.
   */
  private async advance(contract: ContractView, concerns: (act: PlatformAct) => boolean): Promise<void> {
    await eachDocument(contract.documentIds, async (documentId) => {
      let document = await this.documents.getDocument(contract.tenantId, documentId, this.limits());
      const made = new Set<string>();
      // One act per party at most, and the extension: a bound, should a document not move on.
      for (let round = 0; round <= contract.parties.length + 1; round++) {
        const act = nextPlatformAct(contract, documentId, document.revisions);
        if (!act || !concerns(act)) break;
        made.add(await this.perform(contract, document, act));
        document = await this.documents.getDocument(contract.tenantId, documentId, this.limits());
      }
      // Done already: announced too, unless the answer to that was lost.
      for (const { revision, act } of this.doneFor(contract, document, concerns)) {
        if (!made.has(revision.id)) await this.signing.announceMade(contract, documentId, revision, act);
      }
    });
  }

  private async perform(contract: ContractView, document: DocumentView, act: PlatformAct): Promise<string> {
    const last = contract.steps.length - 1;
    switch (act.purpose) {
      case 'CERTIFICATION': {
        // A field for each party who signs this document.
        const addFields: FieldSpec[] = contract.steps.flatMap((ids, step) =>
          ids
            .filter((id) => signsDocument(contract, id, document.id))
            .map((id) => ({
              fieldName: fieldNameFor(id),
              // The final seal locks the document: the lock must be on its field before it is signed.
              ...(step === last && this.party(contract, id).kind === 'ORGANIZATION' ? { lock: true } : {}),
            })),
        );
        const { revisionId } = await this.signing.seal(
          {
            revision: this.ref(contract, document),
            sealId: act.sealId,
            placement: { fieldName: CERTIFICATION_FIELD },
            level: this.settings.level,
            certify: 2,
            lock: false,
            addFields,
            provenance: act,
          },
          this.limits(),
        );
        return revisionId;
      }
      case 'SEAL': {
        const { revisionId } = await this.signing.seal(
          {
            revision: this.ref(contract, document),
            sealId: act.sealId,
            placement: { fieldName: fieldNameFor(act.partyId) },
            level: this.settings.level,
            // A certified document has the lock on the field already; otherwise the last seal adds it.
            lock: act.step === last && !contract.certifyingPartyId,
            provenance: { purpose: 'SEAL', partyId: act.partyId, sealId: act.sealId },
          },
          this.limits(),
        );
        return revisionId;
      }
    }
    return (await this.signing.extend({ revision: this.ref(contract, document), level: 'B-LTA' }, this.limits())).revisionId;
  }

  /** The revisions that did what `concerns` names, with what their announcement says. */
  private doneFor(contract: ContractView, document: DocumentView, concerns: (act: PlatformAct) => boolean) {
    const done: { revision: RevisionView; act: Parameters<Signing['announceMade']>[3] }[] = [];
    const certification = certificationOf(contract, document.revisions);
    const certifier = contract.parties.find((p) => p.id === contract.certifyingPartyId);
    if (certification && certifier?.sealId && concerns({ purpose: 'CERTIFICATION', partyId: certifier.id, sealId: certifier.sealId })) {
      const sealId = certifier.sealId;
      done.push({ revision: certification, act: { kind: 'SEAL', partyId: sealId, fieldName: CERTIFICATION_FIELD, level: this.settings.level, sealId } });
    }
    contract.steps.forEach((ids, step) => {
      for (const id of ids) {
        const party = this.party(contract, id);
        if (party.kind !== 'ORGANIZATION' || !party.sealId || !concerns({ purpose: 'SEAL', partyId: id, sealId: party.sealId, step })) continue;
        const sealed = signatureOf(contract, id, document.revisions);
        if (sealed) done.push({ revision: sealed, act: { kind: 'SEAL', partyId: party.sealId, fieldName: fieldNameFor(id), level: this.settings.level, sealId: party.sealId } });
      }
    });
    const extension = extensionOf(contract, document.revisions);
    if (extension && concerns({ purpose: 'EXTENSION' })) {
      done.push({ revision: extension, act: { kind: 'TIMESTAMP', partyId: 'signing-service', fieldName: '', level: 'B-LTA' } });
    }
    return done;
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
