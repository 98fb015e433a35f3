import { createLogger } from '@jitsuin/rpc';
import { readConfig } from './config.js';
import { startSigningService } from './service.js';

/** The signing service process: serve until SIGTERM/SIGINT, then stop in order. */
const logger = createLogger('signing');
try {
  const config = readConfig();
  const service = await startSigningService(config, logger);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    await service.stop();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
} catch (err) {
  logger.fatal({ err }, 'signing service failed to start');
  process.exit(1);
}
