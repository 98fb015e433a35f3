import { defineConfig } from 'vitest/config';

const shared = {
  // Kafka and FerretDB are started once for the whole run (or taken from KAFKA_BROKERS /
  // MONGO_URL) and their addresses handed to the tests.
  globalSetup: ['packages/testkit/src/infra/vitest-global-setup.ts'],
  testTimeout: 60_000,
  hookTimeout: 120_000,
  pool: 'forks' as const,
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: 'main',
          include: ['{packages,services}/*/{src,test}/**/*.test.ts', 'e2e/**/*.test.ts'],
          exclude: ['**/*.outage.test.ts', '**/node_modules/**'],
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        // Tests that stop Kafka or FerretDB, or kill processes: one file at a time, after
        // everything else, so that no other test sees their outages.
        test: {
          ...shared,
          name: 'outage',
          include: ['{packages,services}/*/test/**/*.outage.test.ts', 'e2e/**/*.outage.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
