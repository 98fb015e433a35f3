import { createHash, randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RevisionKind, type UploadDocumentRequest } from '@jitsuin/proto/document/v1/document';
import { appendRevision, makePdf } from '@jitsuin/testkit';
import {
  callClientStream,
  callUnary,
  chunked,
  download,
  revisionMessages,
  startTestService,
  statusOf,
  storedChunks,
  upload,
  uploadMessages,
  type TestService,
} from './harness.js';

const MAX_BYTES = 8 * 1024 * 1024;
let t: TestService;
let db: mongoose.Connection;

beforeAll(async () => {
  t = await startTestService({ maxDocumentBytes: MAX_BYTES });
  db = await mongoose.createConnection(t.config.mongoUrl).asPromise();
});
afterAll(async () => {
  await db?.close();
  await t?.stop();
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const tenant = () => `agent-${randomUUID().slice(0, 8)}`;

/** What the store holds: GridFS files and chunks, and document records. */
async function stored() {
  const count = (name: string) => db.collection(name).countDocuments();
  return { files: await count('blobs.files'), chunks: await storedChunks(db), documents: await count('documents') };
}

async function refusedUpload(messages: Iterable<UploadDocumentRequest> | AsyncIterable<UploadDocumentRequest>) {
  return statusOf(callClientStream(t.client.uploadDocument.bind(t.client), messages));
}

describe('documents', () => {
  it('round-trips a 50 MB PDF through upload and download with the same SHA-256', async () => {
    const big = await startTestService(); // the default limit, 100 MB
    try {
      const tenantId = tenant();
      const pdf = makePdf(50 * 1024 * 1024);
      const document = await upload(big.client, tenantId, pdf);
      const original = document.revisions[0]!;
      expect(original.sha256).toBe(sha256(pdf));
      expect(original.size).toBe(pdf.length);
      expect(original.kind).toBe(RevisionKind.REVISION_KIND_ORIGINAL);
      const back = await download(big.client, { tenantId, documentId: document.id });
      expect(back.length).toBe(pdf.length);
      expect(sha256(back)).toBe(sha256(pdf));
    } finally {
      await big.stop();
    }
  });

  it('serves a byte range of a revision', async () => {
    const tenantId = tenant();
    const pdf = makePdf(3 * 1024 * 1024);
    const document = await upload(t.client, tenantId, pdf);
    const range = await download(t.client, { tenantId, documentId: document.id, offset: 1_000_000, length: 1_500_000 });
    expect(range.equals(pdf.subarray(1_000_000, 2_500_000))).toBe(true);
    const pastEnd = await statusOf(download(t.client, { tenantId, documentId: document.id, offset: pdf.length + 1 }));
    expect(pastEnd.code).toBe(status.INVALID_ARGUMENT);
  });

  it('stores the same content once (content-addressed)', async () => {
    const pdf = makePdf(100_000);
    const before = await stored();
    const a = await upload(t.client, tenant(), pdf);
    const b = await upload(t.client, tenant(), pdf);
    const after = await stored();
    expect(a.revisions[0]!.sha256).toBe(b.revisions[0]!.sha256);
    expect(after.files - before.files).toBe(1);
    expect(after.documents - before.documents).toBe(2);
  });

  it('chains revisions: each extends its parent, only from the head', async () => {
    const tenantId = tenant();
    const original = makePdf(20_000);
    const document = await upload(t.client, tenantId, original);
    const head = document.headRevisionId;
    const signed = appendRevision(original, 'borrower signature');
    const added = await callClientStream(
      t.signingClient.addRevision.bind(t.signingClient),
      revisionMessages(
        { tenantId, documentId: document.id, parentRevisionId: head, kind: RevisionKind.REVISION_KIND_SIGNATURE, madeBy: 'borrower', description: '' },
        signed,
      ),
    );
    expect(added.revision?.parentId).toBe(head);
    expect(added.revision?.sha256).toBe(sha256(signed));
    expect(added.document?.headRevisionId).toBe(added.revision?.id);
    expect((await download(t.client, { tenantId, documentId: document.id })).equals(signed)).toBe(true);
    expect((await download(t.client, { tenantId, documentId: document.id, revisionId: head })).equals(original)).toBe(true);

    // A second signature made from the old head would fork the chain.
    const stale = await statusOf(
      callClientStream(
        t.signingClient.addRevision.bind(t.signingClient),
        revisionMessages(
          { tenantId, documentId: document.id, parentRevisionId: head, kind: RevisionKind.REVISION_KIND_SIGNATURE, madeBy: 'co-borrower', description: '' },
          appendRevision(original, 'co-borrower'),
        ),
      ),
    );
    expect(stale.code).toBe(status.FAILED_PRECONDITION);
    expect(stale.details).toMatch(/not the head/);

    // A revision that rewrites earlier bytes is not an incremental update.
    const rewritten = Buffer.from(signed);
    rewritten[100] = rewritten[100]! ^ 0xff;
    const before = await stored();
    const notIncremental = await statusOf(
      callClientStream(
        t.signingClient.addRevision.bind(t.signingClient),
        revisionMessages(
          { tenantId, documentId: document.id, parentRevisionId: added.revision!.id, kind: RevisionKind.REVISION_KIND_SIGNATURE, madeBy: 'co-borrower', description: '' },
          appendRevision(rewritten, 'co-borrower'),
        ),
      ),
    );
    expect(notIncremental.code).toBe(status.INVALID_ARGUMENT);
    expect(notIncremental.details).toMatch(/does not extend its parent/);
    expect(await stored()).toEqual(before);
    const { document: after } = await callUnary(t.client.getDocument.bind(t.client), { tenantId, documentId: document.id });
    expect(after?.revisions).toHaveLength(2);
  });

  describe('bad uploads are refused and leave nothing behind', () => {
    it.each([
      ['a file that is not a PDF', () => uploadMessages(tenant(), Buffer.from('PK\x03\x04 this is a zip'.repeat(100))), status.INVALID_ARGUMENT, /not a PDF/],
      ['an empty file', () => uploadMessages(tenant(), Buffer.alloc(0)), status.INVALID_ARGUMENT, /empty/],
      ['a PDF cut short', () => uploadMessages(tenant(), makePdf(2_000_000).subarray(0, 1_500_000)), status.INVALID_ARGUMENT, /incomplete/],
      ['a PDF over the size limit', () => uploadMessages(tenant(), makePdf(MAX_BYTES + 2 * 1024 * 1024)), status.RESOURCE_EXHAUSTED, /larger than the limit/],
      ['chunks without metadata', () => chunked(makePdf(10_000)).map((c) => ({ part: { $case: 'chunk' as const, value: c } })), status.INVALID_ARGUMENT, /first message/],
    ])('%s', async (_what, messages, code, details) => {
      const before = await stored();
      const refused = await refusedUpload(messages());
      expect(refused.code).toBe(code);
      expect(refused.details).toMatch(details);
      expect(await stored()).toEqual(before);
    });

    it('an upload the client abandons mid-stream', async () => {
      const before = await stored();
      const pdf = makePdf(4 * 1024 * 1024);
      async function* thenFail(): AsyncIterable<UploadDocumentRequest> {
        const messages = uploadMessages(tenant(), pdf);
        yield* messages.slice(0, 3);
        await new Promise((r) => setTimeout(r, 200));
        throw new Error('the phone lost its connection');
      }
      await expect(callClientStream(t.client.uploadDocument.bind(t.client), thenFail())).rejects.toThrow(/lost its connection/);
      // The server learns of the cancellation asynchronously; give it a moment to clean up.
      await expect.poll(stored, { timeout: 5000 }).toEqual(before);
    });

    it('an unknown document or revision is NOT_FOUND', async () => {
      const missing = await statusOf(download(t.client, { tenantId: tenant(), documentId: randomUUID() }));
      expect(missing.code).toBe(status.NOT_FOUND);
      const document = await upload(t.client, tenant(), makePdf(4096));
      const otherTenant = await statusOf(callUnary(t.client.getDocument.bind(t.client), { tenantId: tenant(), documentId: document.id }));
      expect(otherTenant.code).toBe(status.NOT_FOUND);
      const noRevision = await statusOf(
        download(t.client, { tenantId: document.tenantId, documentId: document.id, revisionId: randomUUID() }),
      );
      expect(noRevision.code).toBe(status.NOT_FOUND);
    });
  });
});
