import { createLogger, runUntilSignalled } from '@jitsuin/rpc';
import { readConfig } from './config.js';
import { openStore, outboxRelay } from './service.js';

/** The outbox relay alone (verification.completed events), apart from the gRPC server. */
const logger = createLogger('verification-relay');
await runUntilSignalled('verification relay', logger, async () => {
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
