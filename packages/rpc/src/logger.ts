import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs for a service. Log ids, states and counts, never request bodies: contracts carry
 * the basic-4 facts, which must not reach the logs. The redaction is a second line of defence.
 */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['*.expectedFacts', '*.name', '*.address', '*.dateOfBirth', '*.email', '*.parties'],
      censor: '[personal data]',
    },
  });
}
