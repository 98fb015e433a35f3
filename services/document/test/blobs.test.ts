import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobStore } from '../src/store/blobs.js';
import { storedChunks, testConfig } from './harness.js';

const { Binary, ObjectId } = mongoose.mongo;
const MiB = 1024 * 1024;

let db: mongoose.Connection;
let blobs: BlobStore;

beforeAll(async () => {
  db = await mongoose.createConnection(testConfig().mongoUrl).asPromise();
  blobs = new BlobStore(db);
  await blobs.ensureIndexes();
});
afterAll(async () => {
  await db?.dropDatabase();
  await db?.close();
});

async function* pieces(bytes: Buffer, size = 64 * 1024): AsyncIterable<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}
async function read(sha256: string, start: number, end: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of (await blobs.open(sha256, start, end)) as Readable) parts.push(part as Buffer);
  return Buffer.concat(parts);
}
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const accept = { maxBytes: 64 * MiB };

describe('the blob store', () => {
  it('gives back any range of a file of several chunks, and forgets it whole', async () => {
    const bytes = randomBytes(3 * MiB + 12_345);
    const { blob, created } = await blobs.put(pieces(bytes), accept, new AbortController().signal);
    expect({ blob, created }).toEqual({ blob: { sha256: sha256(bytes), size: bytes.length }, created: true });
    expect(await storedChunks(db)).toBe(4);
    expect((await read(blob.sha256, 0, bytes.length)).equals(bytes)).toBe(true);
    // Within one chunk, across a chunk boundary, and the last bytes.
    for (const [start, end] of [[10, 20], [MiB - 5, 2 * MiB + 5], [bytes.length - 7, bytes.length]] as const) {
      expect((await read(blob.sha256, start, end)).equals(bytes.subarray(start, end))).toBe(true);
    }

    // The same content again is not stored twice.
    expect((await blobs.put(pieces(bytes), accept, new AbortController().signal)).created).toBe(false);
    expect(await storedChunks(db)).toBe(4);

    await blobs.forget(blob.sha256);
    expect(await storedChunks(db)).toBe(0);
    expect(await db.collection('blobs.files').countDocuments()).toBe(0);
    await expect(blobs.open(blob.sha256, 0, 1)).rejects.toThrow(/missing from the store/);
  });

  it('keeps nothing of a file refused part way through', async () => {
    const bytes = randomBytes(3 * MiB);
    const tooBig = blobs.put(pieces(bytes), { maxBytes: 2 * MiB + 1 }, new AbortController().signal);
    await expect(tooBig).rejects.toThrow(/larger than the limit/);
    expect({ chunks: await storedChunks(db), files: await db.collection('blobs.files').countDocuments() }).toEqual({ chunks: 0, files: 0 });
  });

  it('still reads the files stored in the two earlier layouts', async () => {
    const chunkSize = MiB;
    const bytes = randomBytes(2 * MiB + 100);
    const chunksOf = (fileId: InstanceType<typeof ObjectId>) =>
      [0, 1, 2].map((n) => ({ files_id: fileId, n, data: new Binary(bytes.subarray(n * chunkSize, (n + 1) * chunkSize)) }));
    const store = async (fileId: InstanceType<typeof ObjectId>, content: Buffer, extra: object) => {
      await db.collection('blobs.files').insertOne({ _id: fileId, length: content.length, chunkSize, uploadDate: new Date(), filename: 'upload', ...extra });
      await db.collection('blobs.index').insertOne({ _id: sha256(content) as never, fileId, size: content.length });
    };

    // GridFS's: every file's chunks in blobs.chunks, found by files_id and n.
    const shared = new ObjectId();
    await db.collection('blobs.chunks').insertMany(chunksOf(shared));
    await store(shared, bytes, {});
    expect((await read(sha256(bytes), MiB - 3, 2 * MiB + 3)).equals(bytes.subarray(MiB - 3, 2 * MiB + 3))).toBe(true);

    // A collection of its own per file, its chunks stored a few at a time, so not in order.
    const own = new ObjectId();
    const other = Buffer.concat([bytes, Buffer.from('other')]);
    const collection = `blobs.chunks.${own.toHexString()}`;
    const ownChunks = [0, 1, 2].map((n) => ({ files_id: own, n, data: new Binary(other.subarray(n * chunkSize, (n + 1) * chunkSize)) }));
    await db.collection(collection).insertMany([ownChunks[1]!, ownChunks[0]!, ownChunks[2]!]);
    await store(own, other, { chunks: collection });
    expect((await read(sha256(other), 0, other.length)).equals(other)).toBe(true);

    await blobs.forget(sha256(other));
    expect((await db.db!.listCollections({ name: collection }).toArray()).length).toBe(0);
    await blobs.forget(sha256(bytes));
    expect(await storedChunks(db)).toBe(0);
  });
});
