import { NotificationServiceService, type NotificationServiceServer } from '@jitsuin/proto/notification/v1/notification';
import { handlers, type Logger, type ServiceRegistration } from '@jitsuin/rpc';
import { storeErrorTranslator } from '@jitsuin/store';
import type { DeliveryLog } from '../app/delivery-log.js';
import type { Tenants } from '../app/tenants.js';
import { configFromProto, configToProto, deliveryToProto, statusFromProto } from './mapping.js';

export const NOTIFICATION_SERVICE_NAME = 'jitsuin.notification.v1.NotificationService';

/** The gRPC edge of the notification service: protobuf in and out, errors to status codes once. */
export function notificationService(app: { tenants: Tenants; log: DeliveryLog }, logger: Logger): ServiceRegistration {
  const h = handlers({ logger, translate: storeErrorTranslator('the notification store') });

  const implementation: NotificationServiceServer = {
    setTenantConfig: h.unary('SetTenantConfig', async (req) => ({ config: configToProto(await app.tenants.set(configFromProto(req.config))) })),
    getTenantConfig: h.unary('GetTenantConfig', async (req) => ({ config: configToProto(await app.tenants.get(req.tenantId)) })),
    listDeliveries: h.unary('ListDeliveries', async (req) => {
      const page = await app.log.list(req.tenantId, {
        pageSize: req.pageSize,
        pageToken: req.pageToken,
        eventId: req.eventId || undefined,
        status: statusFromProto(req.status),
      });
      return { deliveries: page.deliveries.map(deliveryToProto), nextPageToken: page.nextPageToken };
    }),
    replayDelivery: h.unary('ReplayDelivery', async (req) => ({ delivery: deliveryToProto(await app.log.replay(req.tenantId, req.deliveryId)) })),
  };

  return { name: NOTIFICATION_SERVICE_NAME, definition: NotificationServiceService, implementation };
}
