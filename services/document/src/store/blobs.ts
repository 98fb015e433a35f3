import { createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import mongoose, { type Connection } from 'mongoose';
import { invalidArgument, resourceExhausted } from '@jitsuin/errors';
import { isDuplicateKey } from '@jitsuin/store';

const { Binary, ObjectId } = mongoose.mongo;
type ObjectId = InstanceType<typeof ObjectId>;

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
/** Chunk inserts in flight while a file streams in. */
const WRITE_WINDOW_CHUNKS = 4;
/** GridFS chunk size: larger chunks mean fewer documents per file in the store. */
const CHUNK_BYTES = 1024 * 1024;

interface BlobIndexRecord {
  _id: string;
  fileId: ObjectId;
  size: number;
}

interface FileRecord {
  _id: ObjectId;
  length: number;
  chunkSize: number;
  uploadDate: Date;
  filename: string;
  /** Set on files whose chunks are in blobs.chunks under the ids chunkId() gives. */
  keyed?: boolean;
  /** Files stored before that: the collection of their own their chunks are in, if any. */
  chunks?: string;
}

interface ChunkRecord {
  _id: string | ObjectId;
  files_id: ObjectId;
  n: number;
  data: InstanceType<typeof Binary>;
}

const CHUNKS = 'blobs.chunks';
/** A chunk's id: its file's and its number, so that it is found through the _id index. */
const chunkId = (fileId: ObjectId, n: number) => `${fileId.toHexString()}:${n}`;

/**
 * Content-addressed file storage in the GridFS layout (blobs.files, and chunks of { files_id,
 * n, data } in blobs.chunks). A file is written under a fresh id while it streams in, then
 * indexed by its SHA-256 in one insert (the unique _id settles concurrent uploads of the same
 * content). A failed or refused upload deletes what it wrote.
 *
 * A chunk's _id names its file and number, and chunks are read, written and deleted one by
 * one by _id: FerretDB on SQLite answers any other filter ({ files_id, n }, $in) by reading and
 * decoding the whole collection, every chunk of every file. (Files stored before this have
 * their chunks either in a collection of their own, read whole, or in blobs.chunks found by
 * files_id; they stay readable. A collection per file made each upload a change of the SQLite
 * schema, which every FerretDB connection then read again: a fifth of its time with 50
 * contracts in flight.)
 *
 * The chunks are written and read here rather than through the driver's GridFSBucket: its
 * write stream copies every chunk twice on the way (a 100 MB upload then peaks far above
 * the service's memory budget), and its read stream asks for all chunks in one batch, which
 * FerretDB answers in one message (a whole document in memory).
 */
export class BlobStore {
  private readonly index: mongoose.mongo.Collection<BlobIndexRecord>;
  private readonly files: mongoose.mongo.Collection<FileRecord>;
  private readonly db: mongoose.mongo.Db;

  constructor(connection: Connection) {
    const db = connection.db;
    if (!db) throw new Error('the store connection is not open');
    this.db = db;
    this.index = db.collection<BlobIndexRecord>('blobs.index');
    this.files = db.collection<FileRecord>('blobs.files');
  }

  private chunks(name: string): mongoose.mongo.Collection<ChunkRecord> {
    return this.db.collection<ChunkRecord>(name);
  }

  async ensureIndexes(): Promise<void> {
    // No index on the chunks' { files_id, n }: their _id says both, and on FerretDB each index
    // costs every insert a parse of the whole chunk.
    await this.files.createIndex({ filename: 1, uploadDate: 1 });
  }

  /**
   * Streams `chunks` into the store. Returns the blob and whether it was new (a caller that
   * fails to record it may then remove it again with `forget`).
   */
  async put(chunks: AsyncIterable<Buffer>, check: BlobCheck, signal: AbortSignal): Promise<{ blob: Blob; created: boolean }> {
    const fileId = new ObjectId();
    const chunkStore = this.chunks(CHUNKS);
    const hash = createHash('sha256');
    let size = 0;
    let n = 0;
    // A few chunk inserts in flight keep the store busy while the next chunk arrives; the
    // window bounds the memory they hold.
    const inFlight: Promise<unknown>[] = [];
    try {
      for await (const data of fixedSize(inspected(chunks, check, hash, (bytes) => (size = bytes)), CHUNK_BYTES)) {
        signal.throwIfAborted();
        const insert = chunkStore.insertOne({ _id: chunkId(fileId, n), files_id: fileId, n, data: new Binary(data) });
        n += 1;
        insert.catch(() => undefined); // a failure is seen when it is awaited, not as unhandled
        inFlight.push(insert);
        if (inFlight.length >= WRITE_WINDOW_CHUNKS) await inFlight.shift();
      }
      await Promise.all(inFlight.splice(0));
      signal.throwIfAborted();
      await this.files.insertOne({ _id: fileId, length: size, chunkSize: CHUNK_BYTES, uploadDate: new Date(), filename: 'upload', keyed: true });
    } catch (err) {
      // Only once no insert is in flight are the chunks written all there to delete.
      await Promise.allSettled(inFlight);
      await this.removeChunks(fileId, n).catch(() => undefined);
      throw signal.aborted ? signal.reason : err;
    }

    const blob = { sha256: hash.digest('hex'), size };
    try {
      await this.index.insertOne({ _id: blob.sha256, fileId, size });
      return { blob, created: true };
    } catch (err) {
      // The same content is stored already: keep that copy, drop ours.
      await this.remove(fileId).catch(() => undefined);
      if (isDuplicateKey(err)) return { blob, created: false };
      throw err;
    }
  }

  private async remove(fileId: ObjectId): Promise<void> {
    const file = await this.files.findOne({ _id: fileId });
    if (!file) return;
    if (file.keyed) await this.removeChunks(fileId, Math.ceil(file.length / file.chunkSize));
    else if (file.chunks) await this.chunks(file.chunks).drop().catch(unlessNamespaceMissing);
    else await this.chunks(CHUNKS).deleteMany({ files_id: fileId });
    await this.files.deleteOne({ _id: fileId });
  }

  /** Deletes chunks 0..count-1 of a file, one by _id (see the class comment). */
  private async removeChunks(fileId: ObjectId, count: number): Promise<void> {
    const chunkStore = this.chunks(CHUNKS);
    for (let n = 0; n < count; n += WRITE_WINDOW_CHUNKS) {
      const batch = Array.from({ length: Math.min(WRITE_WINDOW_CHUNKS, count - n) }, (_, i) => chunkStore.deleteOne({ _id: chunkId(fileId, n + i) }));
      await Promise.all(batch);
    }
  }

  /** Removes a blob that `put` created but nothing came to reference. */
  async forget(sha256: string): Promise<void> {
    const record = await this.index.findOne({ _id: sha256 });
    if (!record) return;
    await this.index.deleteOne({ _id: sha256 });
    await this.remove(record.fileId);
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
    const missing = (n: number) => new Error(`blob ${sha256} is missing chunk ${n}`);
    const chunks = file.keyed ? this.keyedChunks(record.fileId, first, last) : this.olderChunks(file, first, last);
    async function* bytes(): AsyncIterable<Buffer> {
      // Chunks of older files may come out of order (see olderChunks): a few wait their turn.
      let expected = first;
      const early = new Map<number, Buffer>();
      for await (const chunk of chunks) {
        if (!chunk) throw missing(expected);
        if (chunk.n < expected || chunk.n > last) continue;
        early.set(chunk.n, Buffer.from(chunk.data.buffer));
        if (early.size > WRITE_WINDOW_CHUNKS + 1) throw missing(expected);
        for (let data = early.get(expected); data; data = early.get(expected)) {
          early.delete(expected);
          const offset = expected * chunkSize;
          const from = Math.max(0, start - offset);
          const to = Math.min(data.length, end - offset);
          if (to > from) yield data.subarray(from, to);
          expected += 1;
        }
      }
      if (expected <= last) throw missing(expected);
    }
    return Readable.from(bytes(), { objectMode: false });
  }

  /** Chunks first..last in order, each by _id, a few fetched ahead; null for one missing. */
  private async *keyedChunks(fileId: ObjectId, first: number, last: number): AsyncIterable<ChunkRecord | null> {
    const chunkStore = this.chunks(CHUNKS);
    const ahead: Promise<ChunkRecord | null>[] = [];
    let next = first;
    for (let n = first; n <= last; n++) {
      while (next <= last && next < n + READ_BATCH_CHUNKS) {
        const read = chunkStore.findOne({ _id: chunkId(fileId, next++) });
        read.catch(() => undefined); // a failure is seen when it is awaited, not as unhandled
        ahead.push(read);
      }
      yield await ahead.shift()!;
    }
  }

  /**
   * The chunks of a file stored before chunks had ids of their own. One in a collection of its
   * own is read in its stored order (no sort: FerretDB would sort the whole file in memory), and
   * its chunks were written a few at a time, so one may come before the one written just ahead
   * of it.
   */
  private async *olderChunks(file: FileRecord, first: number, last: number): AsyncIterable<ChunkRecord> {
    const cursor = file.chunks
      ? this.chunks(file.chunks).find({}).batchSize(READ_BATCH_CHUNKS)
      : this.chunks(CHUNKS).find({ files_id: file._id, n: { $gte: first, $lte: last } }).sort({ n: 1 }).batchSize(READ_BATCH_CHUNKS);
    try {
      yield* cursor;
    } finally {
      await cursor.close();
    }
  }
}

/** Dropping a collection that was never created (nothing written to it) is no error. */
function unlessNamespaceMissing(err: unknown): void {
  if (!/ns not found|NamespaceNotFound/i.test(String((err as Error).message ?? err))) throw err;
}

/** Passes the chunks through, hashing, counting and checking them on the way. */
async function* inspected(
  chunks: AsyncIterable<Buffer>,
  check: BlobCheck,
  hash: Hash,
  counted: (size: number) => void,
): AsyncIterable<Buffer> {
  const notExtending = () =>
    invalidArgument('the new revision does not extend its parent: an incremental update must keep every byte of the parent');
  let size = 0;
  let head: Buffer = Buffer.alloc(0);
  let headChecked = !check.head;
  let tail: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    size += chunk.length;
    if (size > check.maxBytes) {
      throw resourceExhausted(`the file is larger than the limit of ${check.maxBytes} bytes`);
    }
    const before = size - chunk.length;
    if (check.prefix && before < check.prefix.size && size >= check.prefix.size) {
      // The file's hash at the parent's length is the parent's hash: checked on the way, in
      // the one pass, as soon as that many bytes have come.
      const cut = check.prefix.size - before;
      hash.update(chunk.subarray(0, cut));
      if (hash.copy().digest('hex') !== check.prefix.sha256) throw notExtending();
      hash.update(chunk.subarray(cut));
    } else {
      hash.update(chunk);
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
  if (check.prefix && size <= check.prefix.size) throw notExtending();
}

/**
 * Cuts a stream of pieces into chunks of exactly `size` bytes (the last may be shorter),
 * passing aligned pieces through without copying them.
 */
async function* fixedSize(pieces: AsyncIterable<Buffer>, size: number): AsyncIterable<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (let piece of pieces) {
    while (piece.length > 0) {
      if (pendingBytes === 0 && piece.length >= size) {
        yield piece.subarray(0, size);
        piece = piece.subarray(size);
        continue;
      }
      const take = Math.min(size - pendingBytes, piece.length);
      pending.push(piece.subarray(0, take));
      pendingBytes += take;
      piece = piece.subarray(take);
      if (pendingBytes === size) {
        yield Buffer.concat(pending, size);
        pending = [];
        pendingBytes = 0;
      }
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}
