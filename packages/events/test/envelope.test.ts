import { describe, expect, it } from 'vitest';
import { EventEnvelope } from '@jitsuin/proto/events/v1/envelope';
import {
  MAX_EVENT_BYTES,
  MalformedEventError,
  decodeEvent,
  encodeEvent,
  eventType,
  newEvent,
  type EventPayload,
} from '../src/index.js';

const contractCreated: EventPayload = {
  $case: 'contractCreated',
  value: {
    contractId: 'c-1',
    title: 'Lease',
    kind: 1,
    documentIds: ['d-1'],
    parties: [{ partyId: 'p-1', kind: 1, role: 1, email: 'a@example.jp', language: 0 }],
    deadline: new Date('2030-01-01T00:00:00Z'),
  },
};

const sample = () => newEvent({ tenantId: 't-1', subject: 'c-1', payload: contractCreated });

describe('eventType', () => {
  it.each([
    ['contractCreated', 'contract.created'],
    ['contractSent', 'contract.sent'],
    ['contractStepOpened', 'contract.step_opened'],
    ['revisionAdded', 'revision.added'],
    ['documentUploaded', 'document.uploaded'],
    ['signatureApplied', 'signature.applied'],
    ['signatureFailed', 'signature.failed'],
    ['verificationCompleted', 'verification.completed'],
    ['certificateStatusChanged', 'certificate.status_changed'],
  ])('%s → %s', ($case, type) => {
    expect(eventType({ $case, value: {} } as unknown as EventPayload)).toBe(type);
  });
});

describe('newEvent', () => {
  it('fills id, type, time and starts a new correlation with its own id', () => {
    const e = sample();
    expect(e.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(e.type).toBe('contract.created');
    expect(e.time).toBeInstanceOf(Date);
    expect(e.correlationId).toBe(e.id);
    expect(e.causationId).toBe('');
  });

  it('keeps a given correlation and causation', () => {
    const e = newEvent({
      tenantId: 't',
      subject: 's',
      payload: contractCreated,
      causationId: 'cause',
      correlationId: 'flow',
    });
    expect([e.causationId, e.correlationId]).toEqual(['cause', 'flow']);
  });
});

describe('encode/decode', () => {
  it('round-trips an event', () => {
    const e = sample();
    expect(decodeEvent(encodeEvent(e))).toEqual(e);
  });

  it.each([
    ['garbage', Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01])],
    ['an empty value', Buffer.alloc(0)],
    ['null', null],
  ])('refuses %s', (_, bytes) => {
    expect(() => decodeEvent(bytes)).toThrow(MalformedEventError);
  });

  it('refuses a type that does not match the payload', () => {
    const bytes = EventEnvelope.encode({ ...sample(), type: 'contract.sent' }).finish();
    expect(() => decodeEvent(bytes)).toThrow(/contract\.sent.*contract\.created/);
  });

  it.each(['id', 'type', 'tenantId', 'subject'] as const)('refuses a missing %s', (field) => {
    const bytes = EventEnvelope.encode({ ...sample(), [field]: '' }).finish();
    expect(() => decodeEvent(bytes)).toThrow(MalformedEventError);
  });

  it('refuses an event without payload', () => {
    const bytes = EventEnvelope.encode({ ...sample(), payload: undefined }).finish();
    expect(() => decodeEvent(bytes)).toThrow(/no payload/);
  });

  it('refuses oversize events both ways', () => {
    const big = newEvent({
      tenantId: 't',
      subject: 's',
      payload: { $case: 'contractVoided', value: { contractId: 'c', comment: 'x'.repeat(MAX_EVENT_BYTES), reason: 0 } },
    });
    expect(() => encodeEvent(big)).toThrow(MalformedEventError);
    expect(() => decodeEvent(EventEnvelope.encode(big).finish())).toThrow(MalformedEventError);
  });

  it('is an INVALID_ARGUMENT JitsuinError that never quotes the payload', () => {
    const bytes = EventEnvelope.encode({ ...sample(), type: 'contract.sent' }).finish();
    try {
      decodeEvent(bytes);
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ kind: 'INVALID_ARGUMENT', name: 'MalformedEventError' });
      expect((err as Error).message).not.toContain('a@example.jp');
    }
  });

  it('refuses to encode an event a consumer would refuse', () => {
    expect(() => encodeEvent({ ...sample(), subject: '' })).toThrow(MalformedEventError);
  });
});
