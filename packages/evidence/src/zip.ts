import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import yazl from 'yazl';

/**
 * ZIP writing (yazl) and bounded reading (yauzl) for evidence packages.
 *
 * Writing: small files deflated from memory, PDFs stored as they are (they are compressed
 * already, and stored bytes can be checked against the document service's SHA-256), each PDF
 * opened only when the writer reaches it so that one export holds one file's buffers at a time.
 *
 * Reading: an archive from anyone is read with limits on the number of entries, each entry's
 * size and the total (declared sizes are checked before anything is inflated, and yauzl checks
 * that the inflated bytes are exactly the declared size: a ZIP bomb stops at the limit).
 */

export type ZipMember =
  | { path: string; bytes: Buffer; compress?: boolean }
  | { path: string; size: number; open: () => Promise<Readable> };

export function writeZip(members: ZipMember[], mtime: Date): Readable {
  const zip = new yazl.ZipFile();
  const out = zip.outputStream as Readable;
  zip.on('error', (err: Error) => out.destroy(err));
  for (const m of members) {
    if ('bytes' in m) {
      zip.addBuffer(m.bytes, m.path, { mtime, mode: 0o100644, compress: m.compress ?? true });
    } else {
      zip.addReadStreamLazy(m.path, { mtime, mode: 0o100644, compress: false, size: m.size }, (cb) => {
        m.open().then(
          (stream) => cb(null, stream),
          (err: unknown) => cb(err, undefined as never),
        );
      });
    }
  }
  zip.end();
  return out;
}

export interface ZipLimits {
  /** Entries in the central directory. */
  maxEntries: number;
  /** One entry, uncompressed. */
  maxEntryBytes: number;
  /** All entries together, uncompressed. */
  maxTotalBytes: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntries: 10_000,
  maxEntryBytes: 512 * 1024 * 1024,
  maxTotalBytes: 4 * 1024 ** 3,
};

/** The input is not a ZIP this reader will open (not a ZIP, damaged directory, over the limits). */
export class UnreadableZipError extends Error {
  override name = 'UnreadableZipError';
}

export interface ZipEntryInfo {
  name: string;
  size: number;
  compressedSize: number;
}

function openYauzl(input: string | Buffer): Promise<yauzl.ZipFile> {
  const options = { lazyEntries: true, autoClose: false, validateEntrySizes: true, decodeStrings: true };
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, zip?: yauzl.ZipFile) => (err || !zip ? reject(err ?? new Error('no ZIP')) : resolve(zip));
    if (typeof input === 'string') yauzl.open(input, options, done);
    else yauzl.fromBuffer(input, options, done);
  });
}

/** An archive opened for reading: its entries listed (and checked against the limits) once. */
export class ZipReader {
  private constructor(
    private readonly zip: yauzl.ZipFile,
    private readonly byName: Map<string, yauzl.Entry>,
    /** Every entry in directory order, repeats included. */
    readonly entries: ZipEntryInfo[],
    /** Names that occur more than once. */
    readonly duplicates: string[],
  ) {}

  static async open(input: string | Buffer, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<ZipReader> {
    let zip: yauzl.ZipFile;
    try {
      zip = await openYauzl(input);
    } catch (err) {
      throw new UnreadableZipError(`not a ZIP archive (${(err as Error).message})`);
    }
    try {
      if (zip.entryCount > limits.maxEntries) {
        throw new UnreadableZipError(`the archive has ${zip.entryCount} entries, more than the ${limits.maxEntries} read`);
      }
      const byName = new Map<string, yauzl.Entry>();
      const entries: ZipEntryInfo[] = [];
      const duplicates = new Set<string>();
      let total = 0;
      await new Promise<void>((resolve, reject) => {
        zip.on('error', (err: Error) => reject(new UnreadableZipError(`the archive's directory is damaged (${err.message})`)));
        zip.on('end', () => resolve());
        zip.on('entry', (entry: yauzl.Entry) => {
          if (entry.uncompressedSize > limits.maxEntryBytes) {
            reject(new UnreadableZipError(`entry ${entry.fileName} is ${entry.uncompressedSize} bytes uncompressed, more than the ${limits.maxEntryBytes} read`));
            return;
          }
          total += entry.uncompressedSize;
          if (total > limits.maxTotalBytes) {
            reject(new UnreadableZipError(`the archive's entries add up to more than the ${limits.maxTotalBytes} bytes read`));
            return;
          }
          entries.push({ name: entry.fileName, size: entry.uncompressedSize, compressedSize: entry.compressedSize });
          if (byName.has(entry.fileName)) duplicates.add(entry.fileName);
          else byName.set(entry.fileName, entry);
          zip.readEntry();
        });
        zip.readEntry();
      });
      return new ZipReader(zip, byName, entries, [...duplicates]);
    } catch (err) {
      zip.close();
      throw err;
    }
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The names of the files (directories left out), in directory order, each once. */
  get names(): string[] {
    return [...this.byName.keys()].filter((n) => !n.endsWith('/'));
  }

  private stream(name: string): Promise<Readable> {
    const entry = this.byName.get(name);
    if (!entry) return Promise.reject(new Error(`${name} is not in the archive`));
    if (entry.isEncrypted()) return Promise.reject(new Error(`${name} is encrypted`));
    return new Promise((resolve, reject) => this.zip.openReadStream(entry, (err, stream) => (err || !stream ? reject(err ?? new Error('no stream')) : resolve(stream))));
  }

  /** An entry's bytes (at most `maxBytes`, else an error). */
  async read(name: string, maxBytes = Number.MAX_SAFE_INTEGER): Promise<Buffer> {
    const entry = this.byName.get(name);
    if (entry && entry.uncompressedSize > maxBytes) throw new Error(`${name} is ${entry.uncompressedSize} bytes, more than the ${maxBytes} read`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of await this.stream(name)) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) throw new Error(`${name} is more than ${maxBytes} bytes`);
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  }

  /** An entry's SHA-256 (hex) and size, streamed. */
  async digest(name: string): Promise<{ sha256: string; size: number }> {
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of await this.stream(name)) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    return { sha256: hash.digest('hex'), size };
  }

  close(): void {
    this.zip.close();
  }
}
