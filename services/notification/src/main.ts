import { createLogger, runUntilSignalled } from '@jitsuin/rpc';
import { readConfig } from './config.js';
import { startNotificationService } from './service.js';

/** The notification service process: consume and send until SIGTERM/SIGINT, then stop in order. */
const logger = createLogger('notification');
await runUntilSignalled('notification service', logger, () => startNotificationService(readConfig(), logger));
