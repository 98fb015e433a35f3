import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EventEnvelope } from '@jitsuin/proto/events/v1/envelope';
import { canonicalJson, chainEvents, checkEventLog, checkEvidence, GENESIS, UnreadableZipError, UnusableEvidenceError, writeZip, ZipReader } from '../src/index.js';

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function event(contractId: string, i: number) {
  const e: EventEnvelope = {
    id: randomUUID(),
    type: 'contract.step_opened',
    time: new Date(Date.UTC(2025, 3, 1, 9, 0, i)),
    tenantId: 'bank-1',
    subject: contractId,
    causationId: '',
    correlationId: 'c',
    traceparent: '',
    payload: { $case: 'contractStepOpened', value: { contractId, stepIndex: i, partyIds: ['borrower'] } },
  };
  return { eventId: e.id, type: e.type, time: e.time!, subject: contractId, envelope: EventEnvelope.encode(e).finish() };
}

describe('canonical JSON', () => {
  it('sorts keys at every depth and leaves out undefined members', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 'x', c: null }], u: undefined })).toBe('{"a":[{"c":null,"d":"x"}],"b":1}');
  });
});

describe('event log hash chain', () => {
  const log = chainEvents('contract-1', 'bank-1', [0, 1, 2, 3].map((i) => event('contract-1', i)));

  it('links every entry to the one before and checks clean', () => {
    expect(log.entries[0]!.prevHash).toBe(GENESIS);
    expect(log.entries[2]!.prevHash).toBe(log.entries[1]!.hash);
    expect(log.head).toBe(log.entries[3]!.hash);
    const check = checkEventLog(JSON.parse(JSON.stringify(log)), { contractId: 'contract-1', tenantId: 'bank-1' });
    expect(check.problems).toEqual([]);
    expect(check.types).toEqual({ 'contract.step_opened': 4 });
  });

  it('names the entry whose content changed, and the readable fields that disagree with the protobuf', () => {
    const changed = JSON.parse(JSON.stringify(log)) as typeof log;
    changed.entries[2]!.time = '2030-01-01T00:00:00.000Z';
    const check = checkEventLog(changed);
    expect(check.problems.map((p) => [p.index, p.problem])).toEqual([
      [3, 'does not match its hash (the entry was changed)'],
      [3, 'has another time than its protobuf'],
    ]);
  });

  it('names a removed or reordered entry by the broken link', () => {
    const removed = JSON.parse(JSON.stringify(log)) as typeof log;
    removed.entries.splice(1, 1);
    const check = checkEventLog(removed);
    expect(check.problems.some((p) => p.index === 2 && /does not link/.test(p.problem))).toBe(true);
    expect(check.problems.some((p) => p.index === 2 && /seq 3 at position 2/.test(p.problem))).toBe(true);
  });

  it('finds a re-hashed entry whose protobuf was swapped for another event', () => {
    const swapped = JSON.parse(JSON.stringify(log)) as typeof log;
    swapped.entries[1]!.protobuf = Buffer.from(event('contract-1', 9).envelope).toString('base64');
    const check = checkEventLog(swapped);
    expect(check.problems.filter((p) => p.index === 2).map((p) => p.problem)).toContain('has another event id than its protobuf');
  });
});

describe('reading archives with limits', () => {
  it('refuses an entry larger than the limit before inflating it (a ZIP bomb)', async () => {
    const bomb = await bytesOf(writeZip([{ path: 'manifest.json', bytes: Buffer.alloc(20 * 1024 * 1024) }], new Date()));
    expect(bomb.length).toBeLessThan(100 * 1024);
    await expect(ZipReader.open(bomb, { maxEntries: 10, maxEntryBytes: 1024 * 1024, maxTotalBytes: 1024 ** 3 })).rejects.toThrow(UnreadableZipError);
    await expect(ZipReader.open(bomb, { maxEntries: 10, maxEntryBytes: 1024 ** 3, maxTotalBytes: 1024 * 1024 })).rejects.toThrow(/add up to more than/);
  });

  it('refuses too many entries', async () => {
    const many = await bytesOf(writeZip(Array.from({ length: 20 }, (_, i) => ({ path: `f${i}`, bytes: Buffer.from('x') })), new Date()));
    await expect(ZipReader.open(many, { maxEntries: 10, maxEntryBytes: 1024, maxTotalBytes: 1024 })).rejects.toThrow(/20 entries/);
  });

  it('calls garbage and an archive without a manifest unusable', async () => {
    await expect(checkEvidence(Buffer.from('not a zip at all, just text'))).rejects.toThrow(UnusableEvidenceError);
    const noManifest = await bytesOf(writeZip([{ path: 'revisions.json', bytes: Buffer.from('{}') }], new Date()));
    await expect(checkEvidence(noManifest)).rejects.toThrow(/no manifest\.json/);
  });
});
