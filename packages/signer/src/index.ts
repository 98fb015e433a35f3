/**
 * The PDF signer: drives @jitsuin/pdf (incremental update, field, placeholder, ByteRange) and
 * @jitsuin/pades (signed attributes, CMS, timestamps, validation data), in pyHanko's layering:
 * the CMS signer knows no PDF, the PDF layer knows no cryptography, and this package is the
 * embedder that goes step by step. The card flow stops between prepareSignature (hash) and
 * completeSignature (inject); PendingSignature is the plain data a signing service persists.
 */
export type {
  CompleteOptions,
  ExtendOptions,
  ExtendResult,
  FieldSpec,
  PadesLevel,
  PendingSignature,
  Placement,
  PrepareRequest,
  Rect,
  SignResult,
} from './types.js';
export { completeSignature, LEVELS, prepareSignature, signWith } from './sign.js';
export { extend } from './extend.js';
export { checkPending, normalisePending, pendingFromJson, pendingToJson, type PendingSignatureJson } from './pending.js';
export { SignerError, type SignerErrorCode } from './errors.js';
export { appearanceLines, japaneseDateTime, signerDisplayName } from './names.js';
