/**
 * Runs in a worker thread for corpus.test.ts: opens one PDF and tries everything a signer does
 * with it, then reports the outcome. A hang here cannot block the test runner's own timeout,
 * since the test waits for this thread's answer on its event loop.
 */
import { parentPort } from 'node:worker_threads';
import { JitsuinError } from '@jitsuin/errors';
import { readCorpusFile } from '@jitsuin/testkit';
import { PdfDocument, digestByteRange, embedContents, prepareSignature } from '../src/index.js';

export type CorpusOutcome =
  | { outcome: 'signed' | 'ready' }
  | { outcome: 'refused'; kind: string; message: string }
  | { outcome: 'crash'; message: string };

function attempt(path: string): CorpusOutcome {
  try {
    // The deflate bombs are gzipped on disk as a precaution; their PDFs are at most ~100 MB.
    const bytes = readCorpusFile(path);
    const doc = PdfDocument.open(bytes);
    void doc.revisions;
    void doc.certification;
    void doc.acroForm;
    doc.signatureFields();
    if (doc.pageCount > 0) doc.getPage(doc.pageCount);
    const prepared = prepareSignature(doc, { fieldName: 'CorpusCheck', contentsSize: 2048 });
    digestByteRange(prepared.parts, prepared.byteRange);
    embedContents(prepared, Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]));
    return { outcome: 'signed' };
  } catch (error) {
    if (error instanceof JitsuinError) return { outcome: 'refused', kind: error.kind, message: error.message };
    return { outcome: 'crash', message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
}

parentPort!.on('message', (path: string) => {
  parentPort!.postMessage(path === '' ? { outcome: 'ready' } : attempt(path));
});
