import { allow, tenantOf, type Authenticator } from '@jitsuin/auth';
import { NotificationServiceService, type NotificationServiceServer } from '@jitsuin/proto/notification/v1/notification';
import { handlers, type Logger, type ServiceRegistration } from '@jitsuin/rpc';
import { storeErrorTranslator } from '@jitsuin/store';
import type { DeliveryLog } from '../app/delivery-log.js';
import type { Tenants } from '../app/tenants.js';
import { configFromProto, configToProto, deliveryToProto, statusFromProto } from './mapping.js';

export const NOTIFICATION_SERVICE_NAME = 'jitsuin.notification.v1.NotificationService';

/**
 * A tenant's notification settings (portal URL, sender address, webhooks and their secrets, the
 * LINE token) are its admin's; senders and auditors see what was delivered.
 */
const ADMINS = allow('admin');
const SETTINGS_READERS = allow('admin', 'auditor');
const DELIVERY_READERS = allow('admin', 'sender', 'auditor');

/** The gRPC edge of the notification service: protobuf in and out, errors to status codes once. */
export function notificationService(app: { tenants: Tenants; log: DeliveryLog }, authenticate: Authenticator, logger: Logger): ServiceRegistration {
  const h = handlers({ logger, authenticate, translate: storeErrorTranslator('the notification store') });

  const implementation: NotificationServiceServer = {
    setTenantConfig: h.unary('SetTenantConfig', ADMINS, async (req, ctx) => {
      const config = configFromProto(req.config);
      return { config: configToProto(await app.tenants.set({ ...config, tenantId: tenantOf(ctx.caller, config.tenantId) })) };
    }),
    getTenantConfig: h.unary('GetTenantConfig', SETTINGS_READERS, async (req, ctx) => ({
      config: configToProto(await app.tenants.get(tenantOf(ctx.caller, req.tenantId))),
    })),
    listDeliveries: h.unary('ListDeliveries', DELIVERY_READERS, async (req, ctx) => {
      const page = await app.log.list(tenantOf(ctx.caller, req.tenantId), {
        pageSize: req.pageSize,
        pageToken: req.pageToken,
        eventId: req.eventId || undefined,
        status: statusFromProto(req.status),
      });
      return { deliveries: page.deliveries.map(deliveryToProto), nextPageToken: page.nextPageToken };
    }),
    replayDelivery: h.unary('ReplayDelivery', ADMINS, async (req, ctx) => ({
      delivery: deliveryToProto(await app.log.replay(tenantOf(ctx.caller, req.tenantId), req.deliveryId)),
    })),
  };

  return { name: NOTIFICATION_SERVICE_NAME, definition: NotificationServiceService, implementation };
}
