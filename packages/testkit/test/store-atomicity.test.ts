import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testInfra } from '../src/infra/vitest-context.js';

/**
 * The services rely on MongoDB's promise that one update of one document is atomic (version
 * checks, outbox entries). FerretDB 1.x alone does not keep it; the server the testkit starts
 * does (infra/ferretdb/writelock.go). This checks whatever MONGO_URL points at.
 */
describe('the document store the tests run against', () => {
  const clients: MongoClient[] = [];
  let database: string;

  beforeAll(async () => {
    database = `atomicity_${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 3; i++) clients.push(await new MongoClient(testInfra().mongoUrl).connect());
  });
  afterAll(async () => {
    await clients[0]?.db(database).dropDatabase();
    await Promise.all(clients.map((c) => c.close()));
  });

  const collection = (i: number) => clients[i]!.db(database).collection<{ _id: string; n: number; m: number; v: number; log: number[] }>('docs');

  it('keeps every one of many concurrent updates to one document', async () => {
    await collection(0).insertOne({ _id: 'one', n: 0, m: 0, v: 0, log: [] });
    const rounds = 100;
    await Promise.all([
      (async () => { for (let i = 0; i < rounds; i++) await collection(0).updateOne({ _id: 'one' }, { $inc: { n: 1 } }); })(),
      (async () => { for (let i = 0; i < rounds; i++) await collection(1).updateOne({ _id: 'one' }, { $inc: { m: 1 } }); })(),
      (async () => { for (let i = 0; i < rounds; i++) await collection(2).updateOne({ _id: 'one' }, { $push: { log: i } }); })(),
    ]);
    const doc = await collection(0).findOne({ _id: 'one' });
    expect({ n: doc?.n, m: doc?.m, log: doc?.log.length }).toEqual({ n: rounds, m: rounds, log: rounds });
  });

  it('lets exactly one of two writers win a version check', async () => {
    await collection(0).insertOne({ _id: 'versioned', n: 0, m: 0, v: 0, log: [] });
    let wins = 0;
    await Promise.all(
      [0, 1, 2].map(async (i) => {
        for (let round = 0; round < 40; round++) {
          const doc = await collection(i).findOne({ _id: 'versioned' });
          const result = await collection(i).updateOne({ _id: 'versioned', v: doc!.v }, { $set: { v: doc!.v + 1 } });
          wins += result.modifiedCount;
        }
      }),
    );
    expect((await collection(0).findOne({ _id: 'versioned' }))?.v).toBe(wins);
  });
});
