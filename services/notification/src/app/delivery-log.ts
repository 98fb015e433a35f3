import { randomUUID } from 'node:crypto';
import { invalidArgument, notFound } from '@jitsuin/errors';
import type { Delivery, DeliveryStatus } from '../domain/delivery.js';
import { checkTenantId } from '../domain/tenant-config.js';
import type { DeliveryRepository } from '../store/deliveries.js';
import { unknownTenant, type Tenants } from './tenants.js';

const MAX_PAGE = 200;
const DEFAULT_PAGE = 50;

interface PageCursor {
  createdAt: number;
  id: string;
}

function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(token: string): PageCursor {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<PageCursor>;
    if (typeof value.createdAt === 'number' && typeof value.id === 'string') return { createdAt: value.createdAt, id: value.id };
  } catch {
    // the error below
  }
  throw invalidArgument('the page token is not one this service gave out');
}

/** The delivery log as the API shows it, and replays. */
export class DeliveryLog {
  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly tenants: Tenants,
    private readonly options: { roundAttempts: number },
    private readonly replayed: () => void = () => {},
    private readonly now: () => Date = () => new Date(),
  ) {}

  private async knownTenant(tenantId: string): Promise<void> {
    checkTenantId(tenantId);
    if (!(await this.tenants.lookup(tenantId))) throw unknownTenant(tenantId);
  }

  async list(
    tenantId: string,
    options: { pageSize: number; pageToken: string; eventId?: string; status?: DeliveryStatus },
  ): Promise<{ deliveries: Delivery[]; nextPageToken: string }> {
    if (options.pageSize < 0 || options.pageSize > MAX_PAGE) throw invalidArgument(`page size must be between 1 and ${MAX_PAGE}`);
    await this.knownTenant(tenantId);
    const after = options.pageToken ? decodeCursor(options.pageToken) : undefined;
    const page = await this.deliveries.list(tenantId, {
      limit: options.pageSize || DEFAULT_PAGE,
      eventId: options.eventId,
      status: options.status,
      after: after && { createdAt: new Date(after.createdAt), id: after.id },
    });
    return {
      deliveries: page.deliveries,
      nextPageToken: page.last ? encodeCursor({ createdAt: page.last.createdAt.getTime(), id: page.last.id }) : '',
    };
  }

  /**
   * Sends a delivery again: a delivered or dead-lettered one gets a new round of attempts
   * (receivers see the same delivery id and body, and may drop what they already have); a
   * waiting one is tried now.
   */
  async replay(tenantId: string, deliveryId: string): Promise<Delivery> {
    await this.knownTenant(tenantId);
    const delivery = await this.deliveries.replay(tenantId, deliveryId, this.now(), this.options.roundAttempts, { retryKey: randomUUID() });
    if (!delivery) throw notFound(`delivery ${deliveryId} not found for tenant ${tenantId}`);
    this.replayed();
    return delivery;
  }
}
