import { describe, expect, it } from 'vitest';
import { fieldLayoutsFromProto, MAX_ADDED_FIELDS, placementFromProto, revisionRefFromProto } from './mapping.js';

describe('placement', () => {
  it('is invisible without a rectangle, visible on page 1 by default with one', () => {
    expect(placementFromProto(undefined)).toEqual({});
    expect(placementFromProto({ fieldName: ' Borrower ', page: 0, rect: undefined, roleLabel: '' })).toEqual({ fieldName: 'Borrower' });
    expect(placementFromProto({ fieldName: '', page: 0, rect: { x: 10, y: 20, width: 200, height: 50 }, roleLabel: '借主' })).toEqual({
      page: 1,
      rect: { x: 10, y: 20, width: 200, height: 50 },
      roleLabel: '借主',
    });
  });

  it('refuses rectangles and names a PDF cannot take', () => {
    expect(() => placementFromProto({ fieldName: '', page: 1, rect: { x: 0, y: 0, width: -1, height: 5 }, roleLabel: '' })).toThrow(/rectangle/);
    expect(() => placementFromProto({ fieldName: 'a.b', page: 0, rect: undefined, roleLabel: '' })).toThrow(/no dots/);
    expect(() => placementFromProto({ fieldName: 'x\u0000', page: 0, rect: undefined, roleLabel: '' })).toThrow(/control/);
    expect(() => revisionRefFromProto(undefined)).toThrow(/required/);
    expect(() => revisionRefFromProto({ tenantId: 't', contractId: 'c', documentId: 'd', revisionId: '' })).toThrow(/revision id/);
  });
});

describe('fields laid out by a certification', () => {
  const field = (fieldName: string, more: { page?: number; rect?: { x: number; y: number; width: number; height: number }; lock?: boolean } = {}) => ({ fieldName, page: more.page ?? 0, rect: more.rect, lock: more.lock ?? false });

  it('keeps names, places and the lock of the final seal', () => {
    expect(fieldLayoutsFromProto([field('borrower'), field('BankSeal', { page: 2, rect: { x: 300, y: 100, width: 200, height: 60 }, lock: true })])).toEqual([
      { fieldName: 'borrower' },
      { fieldName: 'BankSeal', page: 2, rect: { x: 300, y: 100, width: 200, height: 60 }, lock: true },
    ]);
  });

  it('refuses a field without a name, a name twice, a bad rectangle and too many fields', () => {
    expect(() => fieldLayoutsFromProto([field(' ')])).toThrow(/needs a name/);
    expect(() => fieldLayoutsFromProto([field('a'), field('a')])).toThrow(/added twice/);
    expect(() => fieldLayoutsFromProto([field('a', { page: 1, rect: { x: 0, y: 0, width: 0, height: 5 } })])).toThrow(/rectangle/);
    expect(() => fieldLayoutsFromProto(Array.from({ length: MAX_ADDED_FIELDS + 1 }, (_, i) => field(`f${i}`)))).toThrow(/at most/);
  });
});
