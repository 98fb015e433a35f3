import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testInfra } from '../src/infra/vitest-context.js';

/**
 * The services rely on MongoDB's promise that one update of one document is atomic (version
 * checks, outbox entries). FerretDB 1.x alone does not keep it; the server the testkit starts
 * does (infra/ferretdb/writelock.go). They also find and change documents by _id, most often
 * with a condition or two besides ({ _id, tenantId }, { _id, version }); FerretDB 1.24 on
 * SQLite answers those by reading the whole collection unless it is built with our patches
 * (src/infra/ferretdb-patches.ts). This checks whatever MONGO_URL points at.
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

  it('finds a document by _id and another condition through the _id index', async () => {
    const lookups = clients[0]!.db(database).collection<{ _id: string; tenantId: string }>('lookups');
    await lookups.insertMany(Array.from({ length: 50 }, (_, n) => ({ _id: `d${n}`, tenantId: n % 2 ? 'odd' : 'even' })));
    // FerretDB's plan is SQLite's (SEARCH ... USING INDEX, or SCAN); MongoDB's an IXSCAN or IDHACK.
    const plan = async () => JSON.stringify(await lookups.find({ _id: 'd7', tenantId: 'odd' }).explain());
    await expect.poll(plan, { timeout: 5000 }).toMatch(/SEARCH \S+ USING INDEX|IXSCAN|IDHACK/);
    // The other condition still applies.
    expect(await lookups.findOne({ _id: 'd7', tenantId: 'odd' })).toEqual({ _id: 'd7', tenantId: 'odd' });
    expect(await lookups.findOne({ _id: 'd7', tenantId: 'even' })).toBeNull();
  });
});
