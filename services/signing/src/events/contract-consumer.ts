import { type EventConsumer, startServiceConsumer, Topics, type KafkaConnection } from '@jitsuin/events';
import type { Logger } from '@jitsuin/rpc';
import type { ContractAutomation } from '../app/automation.js';

/** The contract events the platform signs on (app/automation.ts); one group for every replica. */
export function startContractConsumer(settings: { kafka: KafkaConnection; groupId: string }, automation: ContractAutomation, logger: Logger): Promise<EventConsumer> {
  return startServiceConsumer({
    kafka: settings.kafka,
    clientId: 'signing-automation',
    groupId: settings.groupId,
    topics: [Topics.contract],
    handle: (event) => automation.handle(event),
    logger,
  });
}
