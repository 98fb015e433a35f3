import { createLogger, runUntilSignalled } from '@jitsuin/rpc';
import { readConfig } from './config.js';
import { startVerificationService } from './service.js';

/** The verification service process: serve until SIGTERM/SIGINT, then stop in order. */
const logger = createLogger('verification');
await runUntilSignalled('verification service', logger, () => startVerificationService(readConfig(), logger));
