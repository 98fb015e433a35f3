import { createLogger, runUntilSignalled } from '@jitsuin/rpc';
import { readConfig } from './config.js';
import { startDocumentService } from './service.js';

/** The document service process: serve until SIGTERM/SIGINT, then stop in order. */
const logger = createLogger('document');
await runUntilSignalled('document service', logger, () => startDocumentService(readConfig(), logger));
