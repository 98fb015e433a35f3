import { createHash } from 'node:crypto';
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
  private readonly db: mongoose.mongo.Db;

  constructor(connection: Connection) {
    const db = connection.db;
    if (!db) throw new Error('the store connection is not open');
    this.bucket = new mongoose.mongo.GridFSBucket(db, { bucketName: 'blobs', chunkSizeBytes: CHUNK_BYTES });
    this.index = db.collection<BlobIndexRecord>('blobs.index');
    this.db = db;
  }

  async ensureIndexes(): Promise<void> {
    await this.db.collection('blobs.chunks').createIndex({ files_id: 1, n: 1 }, { unique: true });
    await this.db.collection('blobs.files').createIndex({ filename: 1, uploadDate: 1 });
  }

  /**
   * Streams `chunks` into the store. Returns the blob and whether it was new (a caller that
   * fails to record it may then remove it again with `forget`).
   */
  async put(chunks: AsyncIterable<Buffer>, check: BlobCheck, signal: AbortSignal): Promise<{ blob: Blob; created: boolean }> {
    const upload = this.bucket.openUploadStream('upload');
    const hash = createHash('sha256');
    const prefixHash = check.prefix ? createHash('sha256') : undefined;
    let size = 0;
    let head: Buffer = Buffer.alloc(0);
    let headChecked = !check.head;
    let tail: Buffer = Buffer.alloc(0);
    try {
      for await (const chunk of chunks) {
        signal.throwIfAborted();
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
        if (!upload.write(chunk)) await onceDrained(upload, signal);
      }
      signal.throwIfAborted();
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
      await new Promise<void>((resolve, reject) => upload.end((err?: Error | null) => (err ? reject(err) : resolve())));
    } catch (err) {
      await upload.abort().catch(() => undefined);
      throw err;
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

  /** The bytes [start, end) of a blob. */
  async open(sha256: string, start: number, end: number): Promise<Readable> {
    const record = await this.index.findOne({ _id: sha256 });
    if (!record) throw new Error(`blob ${sha256} is referenced but missing from the store`);
    return this.bucket.openDownloadStream(record.fileId, { start, end });
  }
}

function onceDrained(stream: NodeJS.WritableStream, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    stream.once('drain', () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
