import { invalidArgument } from '@jitsuin/errors';
import type * as pb from '@jitsuin/proto/signing/v1/signing';
import type { Placement } from '@jitsuin/signer';
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
export function placementFromProto(placement: pb.Placement | undefined): Placement {
  if (!placement) return {};
  const fieldName = text('the field name', placement.fieldName, 128);
  if (fieldName?.includes('.')) throw invalidArgument('a new field name has no dots (they separate the parts of a qualified name)');
  const roleLabel = text('the role label', placement.roleLabel, 64);
  if (!Number.isSafeInteger(placement.page) || placement.page < 0) throw invalidArgument('the page is a 1-based page number');
  const r = placement.rect;
  const hasRect = r !== undefined && (r.width !== 0 || r.height !== 0);
  if (hasRect) {
    if (![r.x, r.y, r.width, r.height].every(Number.isFinite) || r.width <= 0 || r.height <= 0 || r.x < 0 || r.y < 0) {
      throw invalidArgument('a visible signature needs a rectangle with x, y ≥ 0 and a positive width and height (PDF points)');
    }
  }
  return {
    ...(fieldName ? { fieldName } : {}),
    ...(hasRect ? { page: placement.page || 1, rect: { x: r.x, y: r.y, width: r.width, height: r.height } } : {}),
    ...(roleLabel ? { roleLabel } : {}),
  };
}
