import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string[];
    mongoUrl: string;
  }
}

/** The addresses of the Kafka and FerretDB servers the global setup started for this run. */
export function testInfra(): { kafkaBrokers: string[]; mongoUrl: string } {
  return { kafkaBrokers: inject('kafkaBrokers'), mongoUrl: inject('mongoUrl') };
}
