import { connectStore, type Connection } from '@jitsuin/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcRecordRepository, oidcRecordModel } from '../src/store/oidc-records.js';
import { dropDatabase, rawDocuments, testDatabaseUrl } from './harness.js';

// FerretDB has no TTL indexes: expiry is a stored time, checked on every read and swept.
let url: string;
let connection: Connection;
let records: OidcRecordRepository;
beforeAll(async () => {
  url = testDatabaseUrl();
  connection = await connectStore(url);
  const model = oidcRecordModel(connection);
  await model.createIndexes();
  records = new OidcRecordRepository(model);
});
afterAll(async () => {
  await connection?.close();
  if (url) await dropDatabase(url);
});

describe("oidc-provider's records", () => {
  it('a record past its expiry reads as absent, may be used again, and is swept', async () => {
    expect(await records.insertUnique('ReplayDetection', 'used', { iss: 'c-1' }, 60)).toBe(true);
    expect(await records.insertUnique('ReplayDetection', 'used', { iss: 'c-1' }, 60)).toBe(false);
    expect(await records.find('ReplayDetection', 'used')).toEqual({ iss: 'c-1' });

    await records.upsert('ReplayDetection', 'old', { iss: 'c-2' }, -1);
    expect(await records.find('ReplayDetection', 'old')).toBeUndefined();
    expect(await records.insertUnique('ReplayDetection', 'old', { iss: 'c-2' }, 60)).toBe(true);
    expect(await records.find('ReplayDetection', 'old')).toEqual({ iss: 'c-2' });

    await records.upsert('Session', 'gone', { uid: 'u' }, -1);
    expect(await records.sweep()).toBe(1);
    const ids = (await rawDocuments(url, 'oidc_records')).map((d) => d._id).sort();
    expect(ids).toEqual(['ReplayDetection:old', 'ReplayDetection:used']);
  });
});
