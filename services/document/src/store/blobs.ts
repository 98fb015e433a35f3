import { createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import mongoose, { type Connection } from 'mongoose';
import { invalidArgument, resourceExhausted } from '@jitsuin/errors';
import { isDuplicateKey } from './db.js';

type GridFSBucket = InstanceType<typeof mongoose.mongo.GridFSBucket>;
type ObjectId = InstanceType<typeof mongoose.mongo.ObjectId>;

/** A stored file, addressed by the SHA-256 of its content. */
export interface Blob {
  sha256: string;
  size: number;
}

/** What the bytes being stored must satisfy; checked while they stream in. */
export interface BlobCheck {
  maxBytes: number;
  /** The bytes must start with these (the new revision extends its parent: prefix check). */
  prefix?: { sha256: string; size: number };
  /** Called once with the first bytes (at least 1 KiB unless the file is shorter). */
  head?: (head: Buffer) => void;
  /** Called once with the last bytes (up to 1 KiB) when the stream has ended. */
  tail?: (tail: Buffer, size: number) => void;
}

const EDGE = 1024;
/** Chunks fetched per round trip when reading: bounds the memory a download holds. */
const READ_BATCH_CHUNKS = 4;
/** GridFS chunk size: larger chunks mean fewer documents per file in the store. */
const CHUNK_BYTES = 1024 * 1024;

interface BlobIndexRecord {
  _id: string;
  fileId: ObjectId;
  size: number;
}

/**
 * Content-addressed file storage in GridFS. A file is written under a fresh GridFS id while it
 * streams in, then indexed by its SHA-256 in one insert (the unique _id settles concurrent
 * uploads of the same content). A failed or refused upload deletes what it wrote.
 */
export class BlobStore {
  private readonly bucket: GridFSBucket;
  private readonly index: mongoose.mongo.Collection<BlobIndexRecord>;
  private readonly files: mongoose.mongo.Collection<{ _id: ObjectId; chunkSize: number }>;
  private readonly chunks: mongoose.mongo.Collection<{ files_id: ObjectId; n: number; data: { buffer: Uint8Array } }>;

  constructor(connection: Connection) {
    const db = connection.db;
    if (!db) throw new Error('the store connection is not open');
    this.bucket = new mongoose.mongo.GridFSBucket(db, { bucketName: 'blobs', chunkSizeBytes: CHUNK_BYTES });
    this.index = db.collection<BlobIndexRecord>('blobs.index');
    this.files = db.collection('blobs.files');
    this.chunks = db.collection('blobs.chunks');
  }

  async ensureIndexes(): Promise<void> {
    await this.chunks.createIndex({ files_id: 1, n: 1 }, { unique: true });
    await this.files.createIndex({ filename: 1, uploadDate: 1 });
  }

  /**
   * Streams `chunks` into the store. Returns the blob and whether it was new (a caller that
   * fails to record it may then remove it again with `forget`).
   */
  async put(chunks: AsyncIterable<Buffer>, check: BlobCheck, signal: AbortSignal): Promise<{ blob: Blob; created: boolean }> {
    const upload = this.bucket.openUploadStream('upload');
    // Errors come back through the write callbacks; the listener keeps them from being thrown.
    upload.on('error', () => undefined);
    const write = (chunk: Buffer) =>
      new Promise<void>((resolve, reject) => upload.write(chunk, (err) => (err ? reject(err) : resolve())));
    const hash = createHash('sha256');
    let size = 0;
    try {
      // One chunk at a time, each written before the next: when a check refuses the file,
      // no write is in flight, and abort() removes every chunk written.
      for await (const chunk of inspected(chunks, check, hash, (n) => (size = n))) {
        signal.throwIfAborted();
        await write(chunk);
      }
      signal.throwIfAborted();
      await new Promise<void>((resolve, reject) => upload.end((err?: Error | null) => (err ? reject(err) : resolve())));
    } catch (err) {
      await upload.abort().catch(() => undefined);
      throw signal.aborted ? signal.reason : err;
    }

    const blob = { sha256: hash.digest('hex'), size };
    try {
      await this.index.insertOne({ _id: blob.sha256, fileId: upload.id, size });
      return { blob, created: true };
    } catch (err) {
      // The same content is stored already: keep that copy, drop ours.
      await this.bucket.delete(upload.id).catch(() => undefined);
      if (isDuplicateKey(err)) return { blob, created: false };
      throw err;
    }
  }

  /** Removes a blob that `put` created but nothing came to reference. */
  async forget(sha256: string): Promise<void> {
    const record = await this.index.findOne({ _id: sha256 });
    if (!record) return;
    await this.index.deleteOne({ _id: sha256 });
    await this.bucket.delete(record.fileId).catch(() => undefined);
  }

  /**
   * The bytes [start, end) of a blob, read a few chunks at a time. (GridFS's own download
   * stream asks for every chunk in one batch, and FerretDB answers that in one message: a
   * 100 MB document would be held in memory whole.)
   */
  async open(sha256: string, start: number, end: number): Promise<Readable> {
    const record = await this.index.findOne({ _id: sha256 });
    if (!record) throw new Error(`blob ${sha256} is referenced but missing from the store`);
    const file = await this.files.findOne({ _id: record.fileId });
    if (!file) throw new Error(`blob ${sha256} has no GridFS file`);
    const chunkSize = file.chunkSize;
    const first = Math.floor(start / chunkSize);
    const last = Math.floor(Math.max(start, end - 1) / chunkSize);
    const cursor = this.chunks
      .find({ files_id: record.fileId, n: { $gte: first, $lte: last } })
      .sort({ n: 1 })
      .batchSize(READ_BATCH_CHUNKS);
    async function* bytes(): AsyncIterable<Buffer> {
      let expected = first;
      try {
        for await (const chunk of cursor) {
          if (chunk.n !== expected) throw new Error(`blob ${sha256} is missing chunk ${expected}`);
          const data = Buffer.from(chunk.data.buffer);
          const offset = chunk.n * chunkSize;
          const from = Math.max(0, start - offset);
          const to = Math.min(data.length, end - offset);
          if (to > from) yield data.subarray(from, to);
          expected += 1;
        }
      } finally {
        await cursor.close();
      }
    }
    return Readable.from(bytes(), { objectMode: false });
  }
}

/** Passes the chunks through, hashing, counting and checking them on the way. */
async function* inspected(
  chunks: AsyncIterable<Buffer>,
  check: BlobCheck,
  hash: Hash,
  counted: (size: number) => void,
): AsyncIterable<Buffer> {
  const prefixHash = check.prefix ? createHash('sha256') : undefined;
  let size = 0;
  let head: Buffer = Buffer.alloc(0);
  let headChecked = !check.head;
  let tail: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    size += chunk.length;
    if (size > check.maxBytes) {
      throw resourceExhausted(`the file is larger than the limit of ${check.maxBytes} bytes`);
    }
    hash.update(chunk);
    if (prefixHash && check.prefix) {
      const before = size - chunk.length;
      if (before < check.prefix.size) prefixHash.update(chunk.subarray(0, check.prefix.size - before));
    }
    if (!headChecked) {
      head = Buffer.concat([head, chunk.subarray(0, EDGE)]);
      if (head.length >= EDGE) {
        check.head?.(head);
        headChecked = true;
      }
    }
    tail = chunk.length >= EDGE ? chunk.subarray(chunk.length - EDGE) : Buffer.concat([tail, chunk]).subarray(-EDGE);
    counted(size);
    yield chunk;
  }
  if (size === 0) throw invalidArgument('the file is empty');
  if (!headChecked) check.head?.(head);
  check.tail?.(tail, size);
  if (check.prefix && prefixHash) {
    if (size <= check.prefix.size || prefixHash.digest('hex') !== check.prefix.sha256) {
      throw invalidArgument(
        'the new revision does not extend its parent: an incremental update must keep every byte of the parent',
      );
    }
  }
}
