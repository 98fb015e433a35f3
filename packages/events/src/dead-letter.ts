import type { IHeaders, KafkaMessage, Message } from 'kafkajs';

/** Headers a dead-lettered message gets, on top of its own. */
export const DeadLetterHeaders = {
  originalTopic: 'dlq-original-topic',
  originalPartition: 'dlq-original-partition',
  originalOffset: 'dlq-original-offset',
  error: 'dlq-error',
  consumerGroup: 'dlq-consumer-group',
  failedAt: 'dlq-failed-at',
  attempts: 'dlq-attempts',
} as const;

const MAX_ERROR_BYTES = 1024;

export interface DeadLetterInput {
  topic: string;
  partition: number;
  message: KafkaMessage;
  error: unknown;
  groupId: string;
  /** Handler calls made; 0 when the message could not be decoded. */
  attempts: number;
  now?: Date;
}

/**
 * The dead-letter record: the original key and bytes untouched (so it can be replayed to its
 * topic as is), plus where it came from and why it failed.
 */
export function deadLetterMessage(input: DeadLetterInput): Message {
  const { message } = input;
  const headers: IHeaders = {
    ...message.headers,
    [DeadLetterHeaders.originalTopic]: input.topic,
    [DeadLetterHeaders.originalPartition]: String(input.partition),
    [DeadLetterHeaders.originalOffset]: message.offset,
    [DeadLetterHeaders.error]: truncateUtf8(errorMessage(input.error), MAX_ERROR_BYTES),
    [DeadLetterHeaders.consumerGroup]: input.groupId,
    [DeadLetterHeaders.failedAt]: (input.now ?? new Date()).toISOString(),
    [DeadLetterHeaders.attempts]: String(input.attempts),
  };
  return { key: message.key, value: message.value, headers };
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/** Cuts to at most `max` UTF-8 bytes without splitting a character. */
export function truncateUtf8(s: string, max: number): string {
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length <= max) return s;
  let end = max;
  // Back up over continuation bytes (10xxxxxx) to the start of the cut character.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}
