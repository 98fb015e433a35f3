import { invalidArgument } from '@jitsuin/errors';
import type * as pb from '@jitsuin/proto/signing/v1/signing';
import type { FieldSpec, Placement, Rect } from '@jitsuin/signer';
import type { RevisionRef } from '../app/signing.js';

/** Protobuf messages to the inputs of the application, checked on the way in. */

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkId(what: string, value: string): string {
  if (!ID_PATTERN.test(value)) {
    throw invalidArgument(
      `${what} must be 1 to 64 letters, digits, '.', '_' or '-' (got ${JSON.stringify(value.slice(0, 70))})`,
    );
  }
  return value;
}

export function revisionRefFromProto(ref: pb.RevisionRef | undefined): RevisionRef {
  if (!ref) throw invalidArgument('the revision to sign (tenant, contract, document, revision ids) is required');
  return {
    tenantId: checkId('tenant id', ref.tenantId),
    contractId: checkId('contract id', ref.contractId),
    documentId: checkId('document id', ref.documentId),
    revisionId: checkId('revision id', ref.revisionId),
  };
}

const CONTROL = /[\u0000-\u001f\u007f]/;

function text(what: string, value: string, max: number): string | undefined {
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (trimmed.length > max || CONTROL.test(trimmed)) {
    throw invalidArgument(`${what} must be at most ${max} characters, without control characters`);
  }
  return trimmed;
}

/** Invisible unless a rectangle is given; a rectangle needs a positive width and height. */
function fieldNameFromProto(value: string): string | undefined {
  const fieldName = text('the field name', value, 128);
  if (fieldName?.includes('.')) throw invalidArgument('a new field name has no dots (they separate the parts of a qualified name)');
  return fieldName;
}

/** Page and rectangle of a visible field; nothing for an invisible one (no rect, or an empty one). */
function positionFromProto(page: number, r: pb.Rect | undefined): { page: number; rect: Rect } | undefined {
  if (!Number.isSafeInteger(page) || page < 0) throw invalidArgument('the page is a 1-based page number');
  if (r === undefined || (r.width === 0 && r.height === 0)) return undefined;
  if (![r.x, r.y, r.width, r.height].every(Number.isFinite) || r.width <= 0 || r.height <= 0 || r.x < 0 || r.y < 0) {
    throw invalidArgument('a visible signature needs a rectangle with x, y ≥ 0 and a positive width and height (PDF points)');
  }
  return { page: page || 1, rect: { x: r.x, y: r.y, width: r.width, height: r.height } };
}

export function placementFromProto(placement: pb.Placement | undefined): Placement {
  if (!placement) return {};
  const fieldName = fieldNameFromProto(placement.fieldName);
  const roleLabel = text('the role label', placement.roleLabel, 64);
  const position = positionFromProto(placement.page, placement.rect);
  return {
    ...(fieldName ? { fieldName } : {}),
    ...position,
    ...(roleLabel ? { roleLabel } : {}),
  };
}

/** At most this many fields laid out by one certification (parties of a contract, and the seal). */
export const MAX_ADDED_FIELDS = 64;

export function fieldLayoutsFromProto(layouts: pb.FieldLayout[]): FieldSpec[] {
  if (layouts.length > MAX_ADDED_FIELDS) throw invalidArgument(`at most ${MAX_ADDED_FIELDS} fields can be added at once, not ${layouts.length}`);
  const names = new Set<string>();
  return layouts.map((l) => {
    const fieldName = fieldNameFromProto(l.fieldName);
    if (!fieldName) throw invalidArgument('every added field needs a name');
    if (names.has(fieldName)) throw invalidArgument(`the field ${fieldName} is added twice`);
    names.add(fieldName);
    return { fieldName, ...positionFromProto(l.page, l.rect), ...(l.lock ? { lock: true } : {}) };
  });
}
