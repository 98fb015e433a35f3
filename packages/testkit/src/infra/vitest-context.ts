import { inject } from 'vitest';
import { kafkaConnectionEnv, type KafkaConnection } from '@jitsuin/events';
import type { KafkaLogin, KafkaPrincipal } from './kafka.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string[];
    kafka: KafkaConnection;
    kafkaLogins: Partial<Record<KafkaPrincipal, KafkaLogin>>;
    mongoUrl: string;
  }
}

export interface TestInfra {
  /** How a test connects to Kafka: `createKafka({ ...testInfra().kafka, clientId })`. */
  kafka: KafkaConnection;
  /** The same as environment variables, for a service's readConfig or a child process. */
  kafkaEnv: Record<string, string>;
  /**
   * Each principal's login when the testkit runs the broker with SASL (the services' own, for
   * tests of what each may do); empty for an external or plaintext broker.
   */
  kafkaLogins: Partial<Record<KafkaPrincipal, KafkaLogin>>;
  mongoUrl: string;
}

/** The addresses (and Kafka login) of the servers the global setup started for this run. */
export function testInfra(): TestInfra {
  const kafka = inject('kafka');
  return { kafka, kafkaEnv: kafkaConnectionEnv(kafka), kafkaLogins: inject('kafkaLogins'), mongoUrl: inject('mongoUrl') };
}
