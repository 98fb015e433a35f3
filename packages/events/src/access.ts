import { Topics, type Topic } from './topics.js';

/** The platform's services, each of which logs in to Kafka as a principal of its own name. */
export const SERVICE_PRINCIPALS = ['document', 'signing', 'verification', 'notification'] as const;
export type ServicePrincipal = (typeof SERVICE_PRINCIPALS)[number];

/** What one service may do on Kafka, and nothing more. */
export interface ServiceAccess {
  /** Topics it writes to: its outbox relay's topic, and the dead-letter topic its consumers use. */
  produces: Topic[];
  /** Topics its consumers read. */
  consumes: Topic[];
  /** Its consumer groups' names start with one of these (the defaults, and e2e's `<default>-e2e-<run>`). */
  groupPrefixes: string[];
}

/**
 * The one table the broker's ACLs are made from (the testkit's broker; for a real cluster, the
 * Strimzi KafkaUser resources say the same). A service publishes only the events of its own
 * domain: a verification.completed on the verification topic can only come from the
 * verification service. Every service may also describe every Jitsuin topic, because each calls
 * ensureTopics at start (it finds them made by the admin, and never creates one itself).
 */
export const SERVICE_ACCESS: Record<ServicePrincipal, ServiceAccess> = {
  document: {
    // Relay: contract, document and revision events. Consumers: verdicts (verification topic)
    // and the event log (all three event topics).
    produces: [Topics.contract, Topics.deadLetter],
    consumes: [Topics.contract, Topics.signature, Topics.verification],
    groupPrefixes: ['document-'],
  },
  signing: {
    // Relay: signature events. Consumer: the contract automation (contract topic).
    produces: [Topics.signature, Topics.deadLetter],
    consumes: [Topics.contract],
    groupPrefixes: ['signing-'],
  },
  verification: {
    // Relay: verification and certificate events. Consumer: signature.applied (signature topic).
    produces: [Topics.verification, Topics.deadLetter],
    consumes: [Topics.signature],
    groupPrefixes: ['jitsuin-verification'],
  },
  notification: {
    // No relay: it only reads the three event topics and dead-letters what it cannot handle.
    produces: [Topics.deadLetter],
    consumes: [Topics.contract, Topics.signature, Topics.verification],
    groupPrefixes: ['jitsuin-notification'],
  },
};
