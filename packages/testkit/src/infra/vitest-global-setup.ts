import type { TestProject } from 'vitest/node';
import { ensureInfra } from './index.js';
import './vitest-context.js';

/**
 * Starts the real infrastructure once per test run and hands its addresses (and the `test`
 * principal's Kafka login) to every test file (read them with `testInfra()` from
 * '@jitsuin/testkit/vitest'). The servers stay up afterwards: the next run, or `./jitsuin down`,
 * finds them.
 */
export default async function setup(project: TestProject): Promise<void> {
  const { kafkaBrokers, kafka, kafkaLogins, mongoUrl } = await ensureInfra();
  project.provide('kafkaBrokers', kafkaBrokers);
  project.provide('kafka', kafka);
  project.provide('kafkaLogins', kafkaLogins ?? {});
  project.provide('mongoUrl', mongoUrl);
}
