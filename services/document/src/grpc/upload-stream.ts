import { invalidArgument } from '@jitsuin/errors';

type Part<M> = { $case: 'metadata'; value: M } | { $case: 'chunk'; value: Buffer } | undefined;

/**
 * Splits a client stream of `{ metadata } { chunk } { chunk } ...` into the metadata and the
 * chunks; anything out of that order is the client's mistake.
 */
export async function splitUpload<M>(
  requests: AsyncIterable<{ part?: Part<M> }>,
): Promise<{ metadata: M; chunks: AsyncIterable<Buffer> }> {
  const iterator = requests[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done || first.value.part?.$case !== 'metadata') {
    throw invalidArgument('the first message of an upload must carry the metadata');
  }
  const metadata = first.value.part.value;
  async function* chunks(): AsyncIterable<Buffer> {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      const part = next.value.part;
      if (part?.$case !== 'chunk') throw invalidArgument('after the metadata, every message must be a chunk');
      yield part.value;
    }
  }
  return { metadata, chunks: chunks() };
}
