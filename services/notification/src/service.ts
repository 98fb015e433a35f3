import { authenticator, openAccess } from '@jitsuin/auth';
import type { EventConsumer } from '@jitsuin/events';
import { startGrpcServer, type Logger } from '@jitsuin/rpc';
import { connectStore } from '@jitsuin/store';
import { DeliveryLog } from './app/delivery-log.js';
import { Dispatcher } from './app/dispatcher.js';
import { Notifier } from './app/notifier.js';
import { Tenants } from './app/tenants.js';
import { createSenders } from './channels/senders.js';
import type { NotificationConfig } from './config.js';
import { startEventConsumer } from './events/consumer.js';
import { notificationService } from './grpc/notification-service.js';
import { ContactsRepository, contactsModel } from './store/contacts.js';
import { DeliveryRepository, deliveryModels } from './store/deliveries.js';
import { TenantConfigRepository, tenantConfigModel } from './store/tenant-configs.js';

export interface RunningNotificationService {
  address: string;
  /** Stop consuming, finish the sends in flight, stop taking calls, close connections. */
  stop(): Promise<void>;
}

/** Connects to the store and prepares its indexes. */
export async function openStore(config: NotificationConfig) {
  const connection = await connectStore(config.mongoUrl);
  const tenantConfigs = tenantConfigModel(connection);
  const deliveries = deliveryModels(connection);
  const contacts = contactsModel(connection);
  await Promise.all([
    tenantConfigs.createIndexes(),
    deliveries.deliveries.createIndexes(),
    deliveries.queue.createIndexes(),
    contacts.createIndexes(),
  ]);
  return { connection, tenantConfigs, deliveries, contacts };
}

export async function startNotificationService(config: NotificationConfig, logger: Logger): Promise<RunningNotificationService> {
  if (!config.smtpUrl) logger.info('no SMTP server is configured (SMTP_URL): tenants cannot enable e-mail');
  const store = await openStore(config);
  const deliveries = new DeliveryRepository(store.deliveries);
  const tenants = new Tenants(new TenantConfigRepository(store.tenantConfigs), {
    cacheMs: config.tenantCacheMs,
    emailAvailable: !!config.smtpUrl,
  });
  const senders = createSenders(config);
  const dispatcher = new Dispatcher(
    deliveries,
    tenants,
    senders,
    {
      retry: { maxAttempts: config.maxAttempts, initialMs: config.retryInitialMs, maxMs: config.retryMaxMs },
      pollMs: config.pollMs,
      leaseMs: config.leaseMs,
      batchSize: config.batchSize,
    },
    logger,
  );
  const notifier = new Notifier(tenants, new ContactsRepository(store.contacts), deliveries, { attemptLimit: config.maxAttempts }, logger, () =>
    dispatcher.nudge(),
  );
  const log = new DeliveryLog(deliveries, tenants, { roundAttempts: config.maxAttempts }, () => dispatcher.nudge());

  let server: Awaited<ReturnType<typeof startGrpcServer>> | undefined;
  let consumer: EventConsumer | undefined;
  try {
    server = await startGrpcServer({
      host: config.grpcHost,
      port: config.grpcPort,
      services: [notificationService({ tenants, log }, authenticator(openAccess(config.access).verifier), logger)],
      logger,
    });
    dispatcher.start();
    consumer = await startEventConsumer(config, notifier, logger);
  } catch (err) {
    await server?.shutdown(0);
    await dispatcher.stop();
    senders.close();
    await store.connection.close();
    throw err;
  }
  server.setServing(true);
  const running = server;

  return {
    address: running.address,
    stop: async () => {
      // No new events, then no new sends, then no new calls; the store last.
      await consumer?.stop();
      await dispatcher.stop();
      await running.shutdown(config.shutdownGraceMs);
      senders.close();
      await store.connection.close();
    },
  };
}
