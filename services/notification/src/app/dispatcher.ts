import { randomUUID } from 'node:crypto';
import { backoffDelay, sleep } from '@jitsuin/events';
import type { Logger } from '@jitsuin/rpc';
import { afterFailure, type DeliveryAttempt, type RetryPolicy } from '../domain/delivery.js';
import { maskEmail } from '../domain/tenant-config.js';
import type { Senders } from '../channels/senders.js';
import type { Claimed, DeliveryRepository } from '../store/deliveries.js';
import type { Tenants } from './tenants.js';

export interface DispatcherOptions {
  retry: RetryPolicy;
  /** How often to look for due deliveries when nobody nudges. */
  pollMs: number;
  /** How long a claim holds; longer than any send can take. */
  leaseMs: number;
  /** Deliveries sent at once (each slot is freed as its send ends). */
  batchSize: number;
}

/**
 * Sends due deliveries: claims each with one atomic update (several replicas may run), sends
 * it, and records the attempt; a failure is tried again after an exponential, jittered,
 * capped wait, and after the last allowed attempt the delivery is dead-lettered. Every wait is
 * a stored next-attempt time, so retries survive a restart.
 */
export class Dispatcher {
  private readonly stopping = new AbortController();
  private wake: (() => void) | undefined;
  private nudged = false;
  private loop: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly tenants: Tenants,
    private readonly senders: Senders,
    private readonly options: DispatcherOptions,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Look now: deliveries were just planned or replayed. */
  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  /** Finishes the sends in flight, then stops; what is still due waits in the store. */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping.signal.aborted) {
      try {
        this.nudged = false;
        const free = this.options.batchSize - this.inFlight.size;
        const started = free > 0 ? await this.claimAndStart(free) : 0;
        failures = 0;
        // Slots left and nothing more due: rest until the next poll, a nudge, or a send ends.
        if ((free <= 0 || started < free) && !this.nudged) await this.idle(this.options.pollMs);
      } catch (err) {
        failures += 1;
        if (failures === 1) this.logger.warn({ err: String(err) }, 'cannot read or write deliveries; will try again');
        await sleep(backoffDelay(failures, { initialMs: 200, maxMs: 5_000 }), this.stopping.signal);
      }
    }
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Claims up to `limit` due deliveries and starts sending each; returns how many it started.
   * Sends run side by side (up to batchSize), so a slow target holds up only its own slot.
   */
  private async claimAndStart(limit: number): Promise<number> {
    const now = this.now();
    const ids = await this.deliveries.due(now, limit);
    const claimId = randomUUID();
    const claimed = (await Promise.all(ids.map((id) => this.deliveries.claim(id, claimId, now, this.options.leaseMs)))).filter(
      (c): c is Claimed => c !== undefined,
    );
    for (const c of claimed) {
      const sending: Promise<void> = this.attempt(c)
        .catch((err: unknown) => {
          // Not lost: the lease runs out and the delivery is tried again.
          this.logger.warn({ deliveryId: c.delivery.id, err: String(err) }, 'cannot record a delivery attempt; it will be tried again');
        })
        .finally(() => {
          this.inFlight.delete(sending);
          this.wake?.();
        });
      this.inFlight.add(sending);
    }
    return claimed.length;
  }

  private async attempt(claimed: Claimed): Promise<void> {
    const { delivery } = claimed;
    if (this.stopping.signal.aborted) {
      await this.deliveries.release(claimed);
      return;
    }
    const started = this.now();
    let error: string | undefined;
    try {
      const config = await this.tenants.lookup(delivery.tenantId);
      if (!config) throw new Error(`tenant ${delivery.tenantId} no longer has notification settings`);
      await this.senders.send(delivery, config);
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const at = this.now();
    const attempt: DeliveryAttempt = { at, ok: error === undefined, durationMs: at.getTime() - started.getTime(), ...(error ? { error } : {}) };
    const outcome = error === undefined
      ? { status: 'DELIVERED' as const }
      : afterFailure(delivery, this.options.retry, at, (n) => backoffDelay(n, { initialMs: this.options.retry.initialMs, maxMs: this.options.retry.maxMs }));
    const recorded = await this.deliveries.recordAttempt(claimed, attempt, outcome);
    const log = {
      deliveryId: delivery.id,
      eventId: delivery.eventId,
      channel: delivery.channel,
      target: delivery.channel === 'EMAIL' ? maskEmail(delivery.target) : delivery.channel === 'WEBHOOK' ? new URL(delivery.target).host : delivery.target,
      attempts: delivery.attempts + 1,
      status: outcome.status,
      ...(error ? { error } : {}),
    };
    if (!recorded) this.logger.warn(log, 'delivery attempt finished after its claim was taken over; outcome not recorded');
    else if (outcome.status === 'DEAD_LETTERED') this.logger.warn(log, 'delivery dead-lettered after its last attempt; ReplayDelivery sends it again');
    else if (outcome.status === 'RETRYING') this.logger.info(log, 'delivery attempt failed; will retry');
    else this.logger.info(log, 'delivered');
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.stopping.signal;
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
