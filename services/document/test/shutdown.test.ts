import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { credentials, status } from '@grpc/grpc-js';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DocumentServiceClient, type UploadDocumentRequest } from '@jitsuin/proto/document/v1/document';
import { isServing } from '@jitsuin/rpc';
import { makePdf } from '@jitsuin/testkit';
import { testIssuer } from '@jitsuin/testkit/tokens';
import { testInfra } from '@jitsuin/testkit/vitest';
import { callClientStream, callUnary, statusOf, storedChunks, testConfig, uploadMessages } from './harness.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const port = 43000 + Math.floor(Math.random() * 2000);
const address = `127.0.0.1:${port}`;
let service: ChildProcess;
let client: DocumentServiceClient;
let db: mongoose.Connection;

beforeAll(async () => {
  const config = testConfig();
  db = await mongoose.createConnection(config.mongoUrl).asPromise();
  // One process (node with tsx's loader), so that a signal reaches the service itself.
  service = spawn(process.execPath, ['--import', 'tsx', 'services/document/src/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DOCUMENT_GRPC_PORT: String(port),
      DOCUMENT_MONGO_URL: config.mongoUrl,
      ...testInfra().kafkaEnv,
      ...testIssuer().env,
      SHUTDOWN_GRACE_MS: '20000',
      LOG_LEVEL: 'warn',
      // What this file is about is the gRPC edge; the consumers' group joins only slow the start.
      DOCUMENT_RUN_VERDICTS: 'false',
      DOCUMENT_RUN_EVENT_LOG: 'false',
      DOCUMENT_RUN_SCHEDULER: 'false',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await vi.waitFor(
    async () => {
      if (!(await isServing(address, 'jitsuin.document.v1.DocumentService'))) throw new Error('not serving yet');
    },
    { timeout: 60_000, interval: 200 },
  );
  client = new DocumentServiceClient(address, credentials.createInsecure(), testIssuer().memberOfRequestedTenant());
}, 90_000);
afterAll(async () => {
  await db?.close();
  client?.close();
  if (service?.exitCode === null) service.kill('SIGKILL');
});

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

describe('the document service process', () => {
  it('gives up an upload whose deadline passes, and keeps nothing of it', async () => {
    const tenantId = `bank-${randomUUID().slice(0, 8)}`;
    async function* slow(): AsyncIterable<UploadDocumentRequest> {
      const messages = uploadMessages(tenantId, makePdf(3 * 1024 * 1024));
      yield messages[0]!;
      yield messages[1]!;
      await new Promise((r) => setTimeout(r, 1500));
      yield* messages.slice(2);
    }
    const late = await statusOf(callClientStream(client.uploadDocument.bind(client), slow(), { deadlineMs: 500 }));
    expect(late.code).toBe(status.DEADLINE_EXCEEDED);
    // The server gives up on its own: nothing of the upload stays in the store.
    const stored = async () => ({
      chunks: await storedChunks(db),
      documents: await db.collection('documents').countDocuments({ tenantId }),
    });
    await expect.poll(stored, { timeout: 5000 }).toEqual({ chunks: 0, documents: 0 });
  });

  it('on SIGTERM stops taking calls, finishes the upload in flight, and exits cleanly', async () => {
    const tenantId = `bank-${randomUUID().slice(0, 8)}`;
    const pdf = makePdf(8 * 1024 * 1024);
    let terminated = false;
    async function* terminatedMidway(): AsyncIterable<UploadDocumentRequest> {
      const messages = uploadMessages(tenantId, pdf);
      for (const [i, message] of messages.entries()) {
        if (i === 3) {
          // Terminate once the server is storing this upload: the call is in flight there.
          await vi.waitFor(
            async () => {
              if ((await storedChunks(db)) === 0) throw new Error('no chunk stored yet');
            },
            { timeout: 10_000, interval: 20 },
          );
          service.kill('SIGTERM');
          terminated = true;
          await new Promise((r) => setTimeout(r, 300));
        }
        yield message;
      }
    }
    const inFlight = callClientStream(client.uploadDocument.bind(client), terminatedMidway(), { deadlineMs: 30_000 });
    inFlight.catch(() => {}); // awaited below; a failure before that must not become an unhandled rejection
    await expect.poll(() => terminated).toBe(true);
    // A new call is refused once the process has taken the signal (a busy event loop takes it a
    // moment later; until then a call is answered as usual, here NOT_FOUND).
    const fresh = new DocumentServiceClient(address, credentials.createInsecure(), testIssuer().memberOfRequestedTenant());
    const freshCall = async () =>
      (await statusOf(callUnary(fresh.getContract.bind(fresh), { tenantId, contractId: randomUUID() }, { deadlineMs: 3000 }))).code;
    await expect.poll(freshCall, { timeout: 10_000, interval: 100 }).toBeOneOf([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]);
    fresh.close();

    const { document } = await inFlight;
    expect(document?.revisions[0]?.sha256).toBe(createHash('sha256').update(pdf).digest('hex'));
    expect(await exited(service)).toBe(0);
  });
});
