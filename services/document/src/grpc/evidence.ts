import type { Readable } from 'node:stream';
import type { ExportEvidenceRequest, ExportEvidenceResponse } from '@jitsuin/proto/document/v1/document';
import type { CallContext } from '@jitsuin/rpc';
import type { EvidenceExporter } from '../app/evidence.js';

/** Messages of at least this much (but for the last), so a ZIP's small pieces do not each cost a message. */
const MESSAGE_BYTES = 256 * 1024;

/** The ZIP's bytes in pieces of MESSAGE_BYTES (the last may be shorter). */
async function* pieces(zip: Readable): AsyncIterable<Buffer> {
  let pending: Buffer[] = [];
  let size = 0;
  for await (const chunk of zip as AsyncIterable<Buffer>) {
    pending.push(chunk);
    size += chunk.length;
    while (size >= MESSAGE_BYTES) {
      const all = Buffer.concat(pending, size);
      yield all.subarray(0, MESSAGE_BYTES);
      pending = [all.subarray(MESSAGE_BYTES)];
      size -= MESSAGE_BYTES;
    }
  }
  if (size > 0) yield Buffer.concat(pending, size);
}

/** ExportEvidence: the package streamed as it is written; the first message names it. */
export async function* exportEvidence(evidence: EvidenceExporter, req: ExportEvidenceRequest, ctx: CallContext): AsyncIterable<ExportEvidenceResponse> {
  const { filename, manifestSha256, zip } = await evidence.export(req.tenantId, req.contractId, ctx.signal);
  let first = true;
  try {
    for await (const chunk of pieces(zip)) {
      ctx.throwIfAborted();
      yield first ? { filename, manifestSha256, chunk } : { filename: '', manifestSha256: '', chunk };
      first = false;
    }
    if (first) yield { filename, manifestSha256, chunk: Buffer.alloc(0) };
  } finally {
    zip.destroy();
  }
}
