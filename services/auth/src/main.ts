import { createLogger, runUntilSignalled } from '@jitsuin/rpc';
import { readConfig } from './config.js';
import { startAuthService } from './service.js';

/** The auth service process: issue tokens and serve the admin API until SIGTERM/SIGINT. */
const logger = createLogger('auth');
await runUntilSignalled('auth service', logger, () => startAuthService(readConfig(), logger));
