import {
  Partitioners,
  type Consumer,
  type EachBatchPayload,
  type Kafka,
  type KafkaMessage,
  type Producer,
} from 'kafkajs';
import { DEFAULT_BACKOFF, backoffDelay, sleep, type Backoff } from './backoff.js';
import { deadLetterMessage } from './dead-letter.js';
import { decodeEvent, type EventEnvelope } from './envelope.js';
import { Topics } from './topics.js';

export interface MessageMeta {
  topic: string;
  partition: number;
  offset: string;
  /** 1 on first delivery to this consumer, then 2, 3... on retries. */
  attempt: number;
}

export type EventHandler = (event: EventEnvelope, meta: MessageMeta) => Promise<void>;

export interface EventConsumerOptions {
  groupId: string;
  topics: string[];
  /** Must be idempotent by event.id (see idempotency.ts): delivery is at least once. */
  handle: EventHandler;
  /** Handler calls before the message is dead-lettered. Default 5. */
  maxAttempts?: number;
  /** Wait between handler calls. Default 100 ms doubling to 5 s, with jitter. */
  backoff?: Partial<Backoff>;
  /**
   * Where a group with no committed offset starts: true = oldest retained message, false
   * (default) = only messages produced after the consumer first fetches.
   */
  fromBeginning?: boolean;
  /** Called if kafkajs gives up for good (it restarts itself on retriable errors). */
  onFatal?: (error: Error) => void;
}

/** What happened to one message. 'abandoned' = left uncommitted for redelivery (shutdown). */
type Outcome = 'done' | 'abandoned';

/**
 * Consumes events with retries and a dead-letter topic, committing each message's offset only
 * after it was handled or dead-lettered (at least once).
 *
 * Failures are sorted by where they come from:
 * - a message that does not decode, or a handler error of kind INVALID_ARGUMENT, is poison:
 *   dead-lettered at once, since retrying cannot change the answer;
 * - a handler error of kind UNAVAILABLE (a service or store the handler needs is away: down,
 *   restarting) is retried with backoff for as long as it lasts, holding the partition as a
 *   broker outage does: an outage of a dependency never dead-letters anything either (a
 *   contract.sent dead-lettered after 1.5 s while the document service restarted from a kill -9
 *   was a contract never certified);
 * - any other handler error is retried with backoff, then dead-lettered after maxAttempts;
 * - a Kafka error (dead-letter send, heartbeat, commit) is thrown to kafkajs, which re-joins
 *   and delivers the message again: a broker outage never dead-letters anything.
 */
export class EventConsumer {
  private readonly maxAttempts: number;
  private readonly backoff: Backoff;
  private readonly shutdown = new AbortController();
  private readonly consumer: Consumer;
  private readonly deadLetters: Producer;
  private starting?: Promise<void>;

  constructor(
    kafka: Kafka,
    private readonly options: EventConsumerOptions,
  ) {
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    // maxWaitTimeInMs bounds how long stop() waits for an idle long-poll fetch to return.
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      maxWaitTimeInMs: 1_000,
      // A subscription to a missing topic is an error, not a topic with the broker's defaults.
      allowAutoTopicCreation: false,
      retry: {
        retries: 5,
        // kafkajs restarts a crashed consumer on a timer, and a stop() that lands while it is
        // re-joining does not clear that timer: without this the consumer comes back to life
        // after stop() (seen with the broker restarting under a running consumer).
        restartOnFailure: async () => !this.shutdown.signal.aborted,
      },
    });
    this.deadLetters = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  /**
   * Resolves once the consumer has joined its group and received its partitions, so messages
   * produced afterwards are seen (with fromBeginning false, a brand-new group still resolves
   * "latest" at its first fetch, just after this). Rejects if kafkajs gives up while joining
   * or stop() is called first.
   */
  start(): Promise<void> {
    this.starting ??= this.run();
    return this.starting;
  }

  private async run(): Promise<void> {
    const { consumer } = this;
    await this.deadLetters.connect();
    await consumer.connect();
    await consumer.subscribe({
      topics: this.options.topics,
      fromBeginning: this.options.fromBeginning ?? false,
    });

    let offJoin = () => {};
    const joined = new Promise<void>((resolve, reject) => {
      offJoin = consumer.on(consumer.events.GROUP_JOIN, () => resolve());
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (payload.restart || this.shutdown.signal.aborted) return;
        reject(payload.error);
        this.options.onFatal?.(payload.error);
      });
      // kafkajs keeps re-joining while the broker is away; a shutdown must not wait for it.
      this.shutdown.signal.addEventListener('abort', () =>
        reject(new Error(`Consumer ${this.options.groupId} was stopped before it joined.`)),
      );
    });
    // Awaited below; this only keeps an early rejection from counting as unhandled.
    joined.catch(() => undefined);

    try {
      await consumer.run({
        // eachBatch with manual resolve: a message is marked consumed only when we say so, and
        // a shutdown can leave the rest of a batch unmarked without throwing.
        eachBatchAutoResolve: false,
        autoCommit: true,
        // Commit after every resolved message: a restart re-handles at most the one in flight.
        autoCommitThreshold: 1,
        eachBatch: (payload) => this.eachBatch(payload),
      });
      await joined;
    } finally {
      offJoin();
    }
  }

  /**
   * Graceful shutdown: lets the handler call in flight finish (and its message be committed or
   * dead-lettered), skips any pending retry wait, leaves the group and disconnects. A message
   * whose retries were cut short stays uncommitted and is delivered again to the group.
   */
  async stop(): Promise<void> {
    this.shutdown.abort();
    await this.starting?.catch(() => undefined);
    try {
      // disconnect() stops the runner first, which waits for eachBatch to return.
      await this.consumer.disconnect();
    } finally {
      await this.deadLetters.disconnect();
    }
  }

  private async eachBatch({
    batch,
    resolveOffset,
    heartbeat,
    commitOffsetsIfNecessary,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    for (const message of batch.messages) {
      if (this.shutdown.signal.aborted || !isRunning() || isStale()) return;
      const outcome = await this.process(batch.topic, batch.partition, message, heartbeat);
      if (outcome === 'abandoned') return;
      resolveOffset(message.offset);
      await commitOffsetsIfNecessary();
      await heartbeat();
    }
  }

  private async process(
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
  ): Promise<Outcome> {
    let event: EventEnvelope;
    try {
      event = decodeEvent(message.value);
    } catch (error) {
      await this.deadLetter(topic, partition, message, error, 0);
      return 'done';
    }

    // Attempts that count toward maxAttempts (an UNAVAILABLE one does not).
    let counted = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.handle(event, { topic, partition, offset: message.offset, attempt });
        return 'done';
      } catch (error) {
        if (!isUnavailable(error)) counted++;
        if (isPoison(error) || counted >= this.maxAttempts) {
          await this.deadLetter(topic, partition, message, error, attempt);
          return 'done';
        }
      }
      // Keep the group membership alive across the wait; throws if a rebalance took the
      // partition, which hands the message to its new owner.
      await heartbeat();
      const waited = await sleep(backoffDelay(attempt, this.backoff), this.shutdown.signal);
      if (!waited) return 'abandoned';
      await heartbeat();
    }
  }

  private async deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    error: unknown,
    attempts: number,
  ): Promise<void> {
    // Throws on a Kafka failure, before the offset is resolved: the message is then retried,
    // not lost.
    await this.deadLetters.send({
      topic: Topics.deadLetter,
      acks: -1,
      messages: [
        deadLetterMessage({
          topic,
          partition,
          message,
          error,
          groupId: this.options.groupId,
          attempts,
        }),
      ],
    });
  }
}

/** A dependency away for now (the shared UNAVAILABLE kind): retried until it is back. */
function isUnavailable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { kind?: unknown }).kind === 'UNAVAILABLE';
}

/** Errors no retry can fix: the shared INVALID_ARGUMENT kind (MalformedEventError included). */
function isPoison(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { kind?: unknown }).kind === 'INVALID_ARGUMENT'
  );
}
