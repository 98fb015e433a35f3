import type { EventEnvelope } from '@jitsuin/events';
import type { Logger } from '@jitsuin/rpc';
import { plan } from '../domain/delivery.js';
import { TERMINAL, understand } from '../domain/notice.js';
import type { ContactsRepository } from '../store/contacts.js';
import type { DeliveryRepository } from '../store/deliveries.js';
import type { Tenants } from './tenants.js';

/**
 * Turns each consumed event into stored deliveries; the dispatcher sends them. Safe to run
 * twice for one event (Kafka delivers at least once): deliveries have ids made of event,
 * channel and target, so a second run stores nothing new and nobody is told twice.
 */
export class Notifier {
  constructor(
    private readonly tenants: Tenants,
    private readonly contacts: ContactsRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly options: { attemptLimit: number },
    private readonly logger: Logger,
    /** Called when new deliveries are due: the dispatcher looks at once. */
    private readonly planned: () => void = () => {},
    private readonly now: () => Date = () => new Date(),
  ) {}

  async handle(event: EventEnvelope): Promise<void> {
    // Throws INVALID_ARGUMENT for a known event without its ids: dead-lettered by the consumer.
    const understood = understand(event);
    if (!understood) return;
    const config = await this.tenants.lookup(understood.tenantId);
    if (!config) {
      this.logger.debug({ eventId: event.id, type: event.type, tenantId: event.tenantId }, 'tenant has no notification settings; nobody is told');
      return;
    }
    const now = this.now();
    // Contacts name and address people; only e-mail and LINE messages need them.
    const toPeople = config.email.enabled || config.line.enabled;
    if (understood.contacts && toPeople) {
      await this.contacts.record(understood.tenantId, understood.contractId, understood.contacts, now);
    }
    const contacts = understood.notice && toPeople ? await this.contacts.find(understood.tenantId, understood.contractId) : undefined;
    const deliveries = plan(understood, config, contacts, now, this.options.attemptLimit);
    const inserted = await this.deliveries.insertNew(deliveries);
    if (understood.notice && TERMINAL.includes(understood.notice.kind) && toPeople) {
      // Every party was told (the deliveries are stored); the addresses are no longer needed.
      await this.contacts.forget(understood.tenantId, understood.contractId);
    }
    if (inserted.length > 0) {
      this.logger.info(
        { eventId: event.id, type: event.type, tenantId: event.tenantId, deliveries: inserted.length, duplicates: deliveries.length - inserted.length },
        'deliveries planned',
      );
      this.planned();
    } else if (deliveries.length > 0) {
      this.logger.info({ eventId: event.id, type: event.type }, 'event seen before; its deliveries are already planned');
    }
  }
}
