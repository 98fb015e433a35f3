import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PendingSignature } from '@jitsuin/signer';
import { testInfra } from '@jitsuin/testkit/vitest';
import type { SigningSession } from '../src/domain/session.js';
import { connectStore, type Connection } from '@jitsuin/store';
import { SessionRepository, sessionModel } from '../src/store/sessions.js';

/** The session store against the real FerretDB: single use, expiry, cleanup. */

let connection: Connection;
let repository: SessionRepository;

beforeAll(async () => {
  const url = new URL(testInfra().mongoUrl);
  url.pathname = `/signing_sessions_${randomUUID().slice(0, 8)}`;
  connection = await connectStore(url.toString());
  const model = sessionModel(connection);
  await model.createIndexes();
  repository = new SessionRepository(model);
});
afterAll(async () => {
  await connection?.dropDatabase().catch(() => undefined);
  await connection?.close();
});

const pending = (): PendingSignature => ({
  fieldName: 'Signature1',
  appended: Buffer.alloc(300_000, 7),
  byteRange: [0, 100, 200, 300],
  contentsOffset: 100,
  contentsSize: 49,
  signedAttributes: Buffer.from('3100', 'hex'),
  digest: Buffer.alloc(32, 1),
  digestInfo: Buffer.alloc(51, 2),
  level: 'B-T',
  signerCertificate: Buffer.from('30820001', 'hex'),
  chain: [Buffer.from('3003020101', 'hex')],
  baseSize: 1000,
  baseSha256: 'ab'.repeat(32),
});

function session(now: Date, over: Partial<SigningSession> = {}): SigningSession {
  return {
    id: randomUUID(),
    kind: 'CARD',
    tenantId: 't1',
    contractId: 'c1',
    documentId: 'd1',
    baseRevisionId: 'r1',
    partyId: 'borrower',
    level: 'B-T',
    fieldName: 'Signature1',
    certificateSerial: '0A',
    state: 'PREPARED',
    createdAt: now,
    updatedAt: now,
    expiresAt: new Date(now.getTime() + 60_000),
    pending: pending(),
    ...over,
  };
}

describe('session store', () => {
  it('keeps the pending signature byte for byte', async () => {
    const now = new Date();
    const s = session(now);
    await repository.insert(s);
    const back = await repository.find(s.id);
    expect(back?.pending).toEqual(s.pending);
    expect(Buffer.isBuffer(back?.pending?.appended)).toBe(true);
  });

  it('lets exactly one of many claims win, and only before expiry', async () => {
    const now = new Date();
    const s = session(now);
    await repository.insert(s);
    const claims = await Promise.all(Array.from({ length: 8 }, () => repository.claim(s.id, randomUUID(), now)));
    expect(claims.filter(Boolean)).toHaveLength(1);

    const expired = session(now, { expiresAt: new Date(now.getTime() - 1) });
    await repository.insert(expired);
    expect(await repository.claim(expired.id, randomUUID(), now)).toBeUndefined();
  });

  it('a claim given back can be claimed again; a finished one cannot, and its bytes are gone', async () => {
    const now = new Date();
    const s = session(now);
    await repository.insert(s);
    const first = randomUUID();
    expect(await repository.claim(s.id, first, now)).toBeDefined();
    await repository.release(s.id, first, now);
    const second = randomUUID();
    expect(await repository.claim(s.id, second, now)).toBeDefined();
    expect(await repository.complete(s.id, first, { revisionId: 'x', sha256: 'y' }, [], now)).toBe(false); // not the holder
    expect(await repository.complete(s.id, second, { revisionId: 'r2', sha256: 'cd' }, [], now)).toBe(true);
    const done = await repository.find(s.id);
    expect(done).toMatchObject({ state: 'COMPLETED', result: { revisionId: 'r2', sha256: 'cd' } });
    expect(done?.pending).toBeUndefined();
    expect(await repository.claim(s.id, randomUUID(), now)).toBeUndefined();
  });

  it('the sweep drops expired bytes at once and sessions after the retention, never unpublished events', async () => {
    const now = new Date();
    const hour = 3_600_000;
    const fresh = session(now);
    const justExpired = session(now, { expiresAt: new Date(now.getTime() - 1000) });
    const old = session(now, { expiresAt: new Date(now.getTime() - 2 * hour), state: 'COMPLETED', pending: undefined });
    const oldWithEvents = session(now, { expiresAt: new Date(now.getTime() - 2 * hour), state: 'COMPLETED', pending: undefined });
    for (const s of [fresh, justExpired, old]) await repository.insert(s);
    await repository.insert(oldWithEvents, [{ _id: randomUUID(), type: 'signature.applied', data: Buffer.from('x') }]);

    await repository.sweep(now, hour);
    expect((await repository.find(fresh.id))?.pending).toBeDefined();
    const expired = await repository.find(justExpired.id);
    expect(expired?.state).toBe('PREPARED');
    expect(expired?.pending).toBeUndefined();
    expect(await repository.find(old.id)).toBeUndefined();
    expect(await repository.find(oldWithEvents.id)).toBeDefined();
  });
});
