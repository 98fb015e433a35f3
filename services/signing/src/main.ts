import { createLogger, runUntilSignalled } from '@jitsuin/rpc';
import { readConfig } from './config.js';
import { startSigningService } from './service.js';

/** The signing service process: serve until SIGTERM/SIGINT, then stop in order. */
const logger = createLogger('signing');
await runUntilSignalled('signing service', logger, () => startSigningService(readConfig(), logger));
