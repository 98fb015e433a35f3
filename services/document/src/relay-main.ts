import { createLogger, runUntilSignalled } from '@jitsuin/rpc';
import { readConfig } from './config.js';
import { openStore, outboxRelay } from './service.js';

/**
 * The outbox relay alone, for running it apart from the gRPC server (more relays, or a relay
 * on its own schedule). Stops on SIGTERM/SIGINT after the batch in flight.
 */
const logger = createLogger('document-relay');
await runUntilSignalled('document relay', logger, async () => {
  const config = readConfig();
  const store = await openStore(config);
  const relay = outboxRelay(config, store.outboxes, logger);
  relay.start();
  logger.info('relay running');
  return {
    stop: async () => {
      await relay.stop();
      await store.connection.close();
    },
  };
});
