import type { Logger } from 'pino';

/**
 * A service's process: start it, then on SIGTERM or SIGINT stop it in its own order (stop
 * taking work, finish what is in flight, close connections) and exit. A failure to start
 * exits with status 1 after saying why.
 */
export async function runUntilSignalled(
  what: string,
  logger: Logger,
  start: () => Promise<{ stop(): Promise<void> }>,
): Promise<void> {
  try {
    const running = await start();
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping');
      await running.stop();
      logger.info('stopped');
      process.exit(0);
    };
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.on('SIGINT', () => void stop('SIGINT'));
  } catch (err) {
    logger.fatal({ err }, `${what} failed to start`);
    process.exit(1);
  }
}
