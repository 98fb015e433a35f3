import { JitsuinError } from '@jitsuin/errors';
import type { Logger } from '@jitsuin/rpc';
import { outboxEntries } from '@jitsuin/store';
import type { Contract } from '../domain/contract.js';
import { signedAll } from '../domain/progress.js';
import { contractReminder } from '../events/payloads.js';
import type { ContractRepository } from '../store/contracts.js';
import type { DocumentRepository } from '../store/documents.js';
import type { Contracts } from './contracts.js';

export interface DeadlineSettings {
  /** How often to look for contracts near or past their deadline. */
  intervalMs: number;
  /** A reminder goes out this long before the deadline, once. */
  remindBeforeMs: number;
  /** Contracts handled per look. */
  batchSize: number;
}

/**
 * Reminders before the deadline and expiry at it. Safe with several replicas: each change is a
 * version-checked update of the contract with its event in the same write, so of two replicas
 * that find the same contract exactly one writes the reminder (or the expiry); the other finds
 * the contract changed and lets it be.
 */
export class DeadlineScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly repository: ContractRepository,
    private readonly documents: DocumentRepository,
    private readonly contracts: Contracts,
    private readonly settings: DeadlineSettings,
    private readonly logger: Logger,
    private readonly changed: (id: string) => void = () => {},
    private readonly now: () => Date = () => new Date(),
  ) {}

  start(): void {
    const loop = () => {
      this.running = this.tick()
        .then(() => undefined)
        .catch((err) => this.logger.warn({ err: String(err) }, 'deadline scheduler: a pass failed; the next one tries again'))
        .finally(() => {
          this.running = undefined;
          if (this.timer !== undefined) this.timer = setTimeout(loop, this.settings.intervalMs);
        });
    };
    this.timer = setTimeout(loop, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass: expire what is past its deadline, remind what is near it. */
  async tick(): Promise<{ expired: number; reminded: number }> {
    const now = this.now();
    const due = await this.repository.dueBefore(new Date(now.getTime() + this.settings.remindBeforeMs), this.settings.batchSize);
    let expired = 0;
    let reminded = 0;
    for (const contract of due) {
      if (contract.deadline <= now) {
        if (await this.expire(contract)) expired++;
      } else if (!contract.remindedAt && (await this.remind(contract, now))) {
        reminded++;
      }
    }
    return { expired, reminded };
  }

  private async expire(contract: Contract): Promise<boolean> {
    try {
      await this.contracts.act(contract.tenantId, contract.id, { type: 'expire' });
      return true;
    } catch (err) {
      // Another replica (or a signature) changed it first: nothing to do.
      if (err instanceof JitsuinError && (err.kind === 'FAILED_PRECONDITION' || err.kind === 'ABORTED')) return false;
      throw err;
    }
  }

  private async remind(contract: Contract, now: Date): Promise<boolean> {
    const stepIndex = contract.openSteps - 1;
    const step = contract.steps[stepIndex];
    if (!step) return false;
    const documents = await this.documents.findMany(contract.tenantId, contract.documents.map((d) => d.documentId));
    const chains = documents.map((d) => ({ documentId: d.id, revisions: d.revisions }));
    const waiting = step.partyIds.filter((id) => {
      const party = contract.parties.find((p) => p.id === id)!;
      // Organisations are sealed by the platform; people who signed their documents are done.
      return party.kind === 'PERSON' && !signedAll(contract, party, chains, (c) => c.revisions);
    });
    const events = waiting.length > 0 ? outboxEntries(contract.tenantId, contract.id, contractReminder(contract, stepIndex, waiting)) : [];
    const written = await this.repository.update(contract, { remindedAt: now }, events);
    if (written && events.length > 0) this.changed(contract.id);
    return written && events.length > 0;
  }
}
