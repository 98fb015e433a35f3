import { open } from 'node:fs/promises';

/** The output as a sequence of chunks (the parts themselves: nothing is joined). */
export function* chunks(parts: readonly Uint8Array[]): Generator<Uint8Array> {
  for (const part of parts) if (part.length > 0) yield part;
}

/** Writes the parts one after the other to `path` (created or truncated). */
export async function writeParts(path: string, parts: readonly Uint8Array[]): Promise<void> {
  const file = await open(path, 'w');
  try {
    for (const part of chunks(parts)) {
      let written = 0;
      while (written < part.length) {
        const { bytesWritten } = await file.write(part, written, part.length - written);
        written += bytesWritten;
      }
    }
  } finally {
    await file.close();
  }
}
