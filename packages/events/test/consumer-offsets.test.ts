/**
 * When an offset is resolved, in situations the shared test broker cannot stage (a broker
 * failing mid-message). kafkajs is replaced by the smallest fake that eachBatch touches; the
 * behaviour against the real broker is in kafka.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { EventConsumer, encodeEvent, newEvent, type EventConsumerOptions } from '../src/index.js';

const event = newEvent({
  tenantId: 't',
  subject: 'c-1',
  payload: { $case: 'contractSigned', value: { contractId: 'c-1' } },
});
const message: KafkaMessage = {
  key: Buffer.from('c-1'),
  value: encodeEvent(event),
  headers: {},
  offset: '7',
  timestamp: '0',
  attributes: 0,
};

function setup(
  handle: EventConsumerOptions['handle'],
  sendDeadLetter: () => Promise<unknown>,
  backoff = { initialMs: 1, maxMs: 1 },
) {
  const fakeKafka = {
    consumer: () => ({ disconnect: async () => {} }),
    producer: () => ({ send: sendDeadLetter, disconnect: async () => {} }),
  } as unknown as Kafka;
  const consumer = new EventConsumer(fakeKafka, {
    groupId: 'g',
    topics: ['jitsuin.contract.v1'],
    handle,
    maxAttempts: 2,
    backoff,
  });
  const log: string[] = [];
  const payload = {
    batch: { topic: 'jitsuin.contract.v1', partition: 0, messages: [message] },
    resolveOffset: (offset: string) => void log.push(`resolve ${offset}`),
    commitOffsetsIfNecessary: async () => void log.push('commit'),
    heartbeat: async () => {},
    isRunning: () => true,
    isStale: () => false,
  } as unknown as EachBatchPayload;
  const eachBatch = () =>
    (consumer as unknown as { eachBatch(p: EachBatchPayload): Promise<void> }).eachBatch(payload);
  return { consumer, log, eachBatch };
}

describe('EventConsumer offsets', () => {
  it('resolves and commits a handled message', async () => {
    const { log, eachBatch } = setup(async () => {}, async () => {});
    await eachBatch();
    expect(log).toEqual(['resolve 7', 'commit']);
  });

  it('does not move past a message it failed to dead-letter (Kafka error goes to kafkajs)', async () => {
    const { log, eachBatch } = setup(
      async () => {
        throw new Error('handler failed');
      },
      async () => {
        throw new Error('broker unavailable');
      },
    );
    await expect(eachBatch()).rejects.toThrow('broker unavailable');
    expect(log).toEqual([]);
  });

  it('keeps retrying while the handler finds a dependency UNAVAILABLE, then handles it: not dead-lettered', async () => {
    let calls = 0;
    const deadLetters: unknown[] = [];
    const { log, eachBatch } = setup(
      async () => {
        calls++;
        // maxAttempts is 2: five UNAVAILABLE answers (a service restarting) must not count.
        if (calls <= 5) throw Object.assign(new Error('the document service is unavailable; try again shortly'), { kind: 'UNAVAILABLE' });
      },
      async (...args: unknown[]) => void deadLetters.push(args),
    );
    await eachBatch();
    expect(calls).toBe(6);
    expect(deadLetters).toEqual([]);
    expect(log).toEqual(['resolve 7', 'commit']);
  });

  it('still dead-letters after maxAttempts other failures, UNAVAILABLE ones between them not counted', async () => {
    let calls = 0;
    const deadLetters: unknown[] = [];
    const { log, eachBatch } = setup(
      async () => {
        calls++;
        if (calls % 2 === 1) throw Object.assign(new Error('away'), { kind: 'UNAVAILABLE' });
        throw new Error('handler failed');
      },
      async (...args: unknown[]) => void deadLetters.push(args),
    );
    await eachBatch();
    expect(calls).toBe(4);
    expect(deadLetters).toHaveLength(1);
    expect(log).toEqual(['resolve 7', 'commit']);
  });

  it('leaves a message uncommitted when stop() cuts its retries short', async () => {
    let calls = 0;
    const { consumer, log, eachBatch } = setup(
      async () => {
        calls++;
        throw new Error('handler failed');
      },
      async () => {},
      { initialMs: 60_000, maxMs: 60_000 },
    );
    const running = eachBatch();
    await new Promise((r) => setTimeout(r, 20));
    await consumer.stop();
    await running;
    expect(calls).toBe(1);
    expect(log).toEqual([]);
  });
});
