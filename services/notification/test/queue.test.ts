import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStore, type Connection } from '@jitsuin/store';
import { testInfra } from '@jitsuin/testkit/vitest';
import type { Delivery } from '../src/domain/delivery.js';
import { DeliveryRepository, deliveryModels, type DeliveryModels } from '../src/store/deliveries.js';

let connection: Connection;
let models: DeliveryModels;
let repo: DeliveryRepository;
beforeAll(async () => {
  const url = new URL(testInfra().mongoUrl);
  url.pathname = `/notify_queue_${randomUUID().slice(0, 8)}`;
  connection = await connectStore(url.toString());
  models = deliveryModels(connection);
  await Promise.all([models.deliveries.createIndexes(), models.queue.createIndexes()]);
  repo = new DeliveryRepository(models);
});
afterAll(async () => {
  await connection?.dropDatabase();
  await connection?.close();
});

const past = new Date(Date.now() - 60_000);
const lease = 30_000;

function delivery(overrides: Partial<Delivery> = {}): Delivery {
  return {
    id: randomUUID().replaceAll('-', ''),
    tenantId: 't',
    eventId: randomUUID(),
    eventType: 'contract.completed',
    contractId: 'c',
    channel: 'WEBHOOK',
    target: 'https://h.example',
    content: { channel: 'WEBHOOK', body: '{}' },
    status: 'PENDING',
    attempts: 0,
    attemptLimit: 3,
    nextAttemptAt: past,
    attemptLog: [],
    createdAt: past,
    updatedAt: past,
    ...overrides,
  };
}

const queued = async (id: string) => (await models.queue.collection.findOne({ _id: id } as never)) !== null;
const attempt = (ok: boolean) => ({ at: new Date(), ok, durationMs: 1, ...(ok ? {} : { error: 'HTTP 500' }) });

describe('the delivery queue', () => {
  it('a delivery stored without its queue entry (a crash between the writes) is queued when the event comes again', async () => {
    const d = delivery();
    expect(await repo.insertNew([d])).toEqual([d.id]);
    await models.queue.collection.deleteOne({ _id: d.id } as never);
    expect(await repo.insertNew([d])).toEqual([]);
    expect(await queued(d.id)).toBe(true);
  });

  it('stores the new deliveries of a batch that repeats some, and queues every one that waits', async () => {
    const [a, b, c] = [delivery(), delivery(), delivery()];
    expect(await repo.insertNew([a!, b!])).toEqual([a!.id, b!.id]);
    await models.queue.collection.deleteOne({ _id: b!.id } as never);
    expect(await repo.insertNew([a!, b!, c!])).toEqual([c!.id]);
    for (const d of [a!, b!, c!]) expect(await queued(d.id)).toBe(true);
    expect(await models.deliveries.collection.countDocuments({ _id: { $in: [a!.id, b!.id, c!.id] } } as never)).toBe(3);
  });

  it('of two workers claiming one delivery, one gets it; its outcome dequeues it', async () => {
    const d = delivery();
    await repo.insertNew([d]);
    const claims = await Promise.all([repo.claim(d.id, 'a', new Date(), lease), repo.claim(d.id, 'b', new Date(), lease)]);
    const won = claims.filter((c) => c !== undefined);
    expect(won).toHaveLength(1);
    expect(await repo.recordAttempt(won[0]!, attempt(true), { status: 'DELIVERED' })).toBe(true);
    expect(await queued(d.id)).toBe(false);
    expect((await repo.find('t', d.id))?.status).toBe('DELIVERED');
  });

  it('an entry left over for a delivery that no longer waits is dropped when claimed, without a send', async () => {
    const d = delivery({ status: 'DELIVERED', attempts: 1 });
    await models.deliveries.collection.insertOne({ _id: d.id, ...d } as never);
    await models.queue.collection.insertOne({ _id: d.id, nextAttemptAt: past, leaseUntil: null, claimId: null } as never);
    expect(await repo.claim(d.id, 'a', new Date(), lease)).toBeUndefined();
    expect(await queued(d.id)).toBe(false);
  });

  it('an entry due before its delivery is moved to the delivery’s time, not sent early', async () => {
    const later = new Date(Date.now() + 3_600_000);
    const d = delivery({ status: 'RETRYING', attempts: 1, nextAttemptAt: later });
    await models.deliveries.collection.insertOne({ _id: d.id, ...d } as never);
    await models.queue.collection.insertOne({ _id: d.id, nextAttemptAt: past, leaseUntil: null, claimId: null } as never);
    expect(await repo.claim(d.id, 'a', new Date(), lease)).toBeUndefined();
    expect(await repo.due(new Date(), 1000)).not.toContain(d.id);
    expect(await repo.due(new Date(later.getTime() + 1), 1000)).toContain(d.id);
  });

  it('an attempt is recorded once, though a worker whose lease ran out records it too', async () => {
    const d = delivery();
    await repo.insertNew([d]);
    const slow = (await repo.claim(d.id, 'slow', new Date(), lease))!;
    // The lease passes; another worker takes the delivery over.
    const taken = (await repo.claim(d.id, 'fast', new Date(Date.now() + lease + 1), lease))!;
    expect(taken).toBeDefined();
    expect(await repo.recordAttempt(taken, attempt(false), { status: 'RETRYING', nextAttemptAt: new Date(Date.now() + 1000) })).toBe(true);
    expect(await repo.recordAttempt(slow, attempt(true), { status: 'DELIVERED' })).toBe(false);
    const stored = await repo.find('t', d.id);
    expect([stored?.status, stored?.attempts, stored?.attemptLog.length]).toEqual(['RETRYING', 1, 1]);
    expect(await queued(d.id)).toBe(true);
  });
});
