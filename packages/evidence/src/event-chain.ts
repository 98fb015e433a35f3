import { createHash } from 'node:crypto';
import { EventEnvelope } from '@jitsuin/proto/events/v1/envelope';
import { canonicalJson } from './canonical.js';
import { EVENT_LOG_FORMAT, type EventLogEntryJson, type EventLogFile } from './layout.js';

/**
 * The contract's event log as a hash chain: entry n holds the hash of entry n-1 (`prevHash`),
 * and its own `hash` is SHA-256 over the canonical JSON of everything else in it. Changing,
 * removing, inserting or reordering any entry breaks every hash after it; the last hash (the
 * head) is written into the sealed manifest, so the platform's seal covers the whole chain.
 */

export const GENESIS = '0'.repeat(64);

const sha256hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export function entryHash(entry: Omit<EventLogEntryJson, 'hash'>): string {
  return sha256hex(canonicalJson(entry));
}

/** The protobuf JSON of an envelope (what `event` holds). */
export function envelopeJson(envelope: Uint8Array): unknown {
  return EventEnvelope.toJSON(EventEnvelope.decode(envelope));
}

export interface LoggedEvent {
  eventId: string;
  type: string;
  time: Date;
  subject: string;
  /** The protobuf-encoded EventEnvelope. */
  envelope: Uint8Array;
}

export function chainEvents(contractId: string, tenantId: string, events: LoggedEvent[]): EventLogFile {
  let prevHash = GENESIS;
  const entries = events.map((e, i) => {
    const body = {
      seq: i + 1,
      eventId: e.eventId,
      type: e.type,
      time: e.time.toISOString(),
      subject: e.subject,
      protobuf: Buffer.from(e.envelope).toString('base64'),
      event: envelopeJson(e.envelope),
      prevHash,
    };
    const hash = entryHash(body);
    prevHash = hash;
    return { ...body, hash };
  });
  return { format: EVENT_LOG_FORMAT, contractId, tenantId, hashAlgorithm: 'SHA-256', genesis: GENESIS, entries, head: prevHash };
}

export interface ChainProblem {
  /** 1-based position in the file, and the entry's own seq and event id when readable. */
  index: number;
  seq?: unknown;
  eventId?: unknown;
  problem: string;
}

export interface ChainCheck {
  entries: number;
  head: string;
  problems: ChainProblem[];
  /** Every event type found, with its count. */
  types: Record<string, number>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Checks a parsed event-log.json: its shape, every entry's hash and link, that seq runs 1..n,
 * that each entry's fields and JSON are what its protobuf says, and that every event is of the
 * log's tenant. Never throws on bad content: every finding is a problem.
 */
export function checkEventLog(file: unknown, expect: { contractId?: string; tenantId?: string } = {}): ChainCheck {
  const problems: ChainProblem[] = [];
  const types: Record<string, number> = {};
  if (!isObject(file) || file.format !== EVENT_LOG_FORMAT || !Array.isArray(file.entries)) {
    return { entries: 0, head: '', types, problems: [{ index: 0, problem: `is not a ${EVENT_LOG_FORMAT} file (format and entries)` }] };
  }
  if (file.hashAlgorithm !== 'SHA-256') problems.push({ index: 0, problem: `names hash algorithm ${JSON.stringify(file.hashAlgorithm)}, not SHA-256` });
  if (file.genesis !== GENESIS) problems.push({ index: 0, problem: 'has another genesis hash than 64 zeros' });
  if (expect.contractId !== undefined && file.contractId !== expect.contractId) problems.push({ index: 0, problem: `is the log of contract ${String(file.contractId)}, not ${expect.contractId}` });
  if (expect.tenantId !== undefined && file.tenantId !== expect.tenantId) problems.push({ index: 0, problem: `is of tenant ${String(file.tenantId)}, not ${expect.tenantId}` });
  let prevHash = GENESIS;
  const seen = new Set<string>();
  file.entries.forEach((raw: unknown, i: number) => {
    const index = i + 1;
    if (!isObject(raw)) {
      problems.push({ index, problem: 'is not an object' });
      return;
    }
    const at = { index, seq: raw.seq, eventId: raw.eventId };
    const bad = (problem: string) => problems.push({ ...at, problem });
    const { hash, ...body } = raw;
    if (typeof hash !== 'string' || !HEX64.test(hash)) bad('has no SHA-256 hash');
    if (raw.prevHash !== prevHash) bad('does not link to the entry before it (prevHash differs from that entry\'s hash)');
    let recomputed: string | undefined;
    try {
      recomputed = entryHash(body as Omit<EventLogEntryJson, 'hash'>);
    } catch (err) {
      bad(`cannot be hashed (${(err as Error).message})`);
    }
    if (recomputed !== undefined && recomputed !== hash) bad('does not match its hash (the entry was changed)');
    if (raw.seq !== index) bad(`has seq ${JSON.stringify(raw.seq)} at position ${index}`);
    if (typeof raw.eventId === 'string') {
      if (seen.has(raw.eventId)) bad('repeats an event id');
      seen.add(raw.eventId);
    }
    // The readable fields and the JSON must be what the protobuf says.
    try {
      if (typeof raw.protobuf !== 'string') throw new Error('no protobuf');
      const bytes = Buffer.from(raw.protobuf, 'base64');
      if (bytes.toString('base64') !== raw.protobuf) throw new Error('the protobuf is not canonical base64');
      const envelope = EventEnvelope.decode(bytes);
      const json = EventEnvelope.toJSON(envelope);
      if (envelope.id !== raw.eventId) bad('has another event id than its protobuf');
      if (envelope.type !== raw.type) bad('has another type than its protobuf');
      if (envelope.subject !== raw.subject) bad('has another subject than its protobuf');
      if ((envelope.time?.toISOString() ?? '') !== raw.time) bad('has another time than its protobuf');
      if (expect.tenantId !== undefined && envelope.tenantId !== expect.tenantId) bad(`is an event of tenant ${envelope.tenantId}`);
      if (canonicalJson(json) !== canonicalJson(raw.event)) bad('has JSON that differs from its protobuf');
      types[envelope.type] = (types[envelope.type] ?? 0) + 1;
    } catch (err) {
      bad(`has a protobuf that does not decode (${(err as Error).message})`);
    }
    prevHash = typeof hash === 'string' ? hash : '';
  });
  if (file.head !== prevHash) problems.push({ index: 0, problem: 'names another head than the last entry\'s hash' });
  return { entries: file.entries.length, head: prevHash, problems, types };
}
