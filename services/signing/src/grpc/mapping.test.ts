import { describe, expect, it } from 'vitest';
import { placementFromProto, revisionRefFromProto } from './mapping.js';

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
