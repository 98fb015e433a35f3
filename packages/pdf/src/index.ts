export { PdfDocument, type OpenOptions, type PageRef } from './document.js';
export {
  PdfDict,
  PdfIndirect,
  PdfName,
  PdfPlaceholder,
  PdfRef,
  PdfStream,
  PdfString,
  dict,
  name,
  type PdfObject,
} from './objects.js';
export type {
  Certification,
  FieldLock,
  MdpPermissions,
  SignatureField,
  SignatureValue,
  SignatureWidget,
} from './fields.js';
export { readTerminalFields, type TerminalField } from './fields.js';
export { xrefSectionObjects, type XrefEntry, type XrefSection } from './xref.js';
export { IncrementalWriter, writeIncrementalUpdate, type ChangedObject, type IncrementalUpdate } from './writer.js';
export {
  MAX_CONTENTS_SIZE,
  digestByteRange,
  embedContents,
  pdfDate,
  prepareSignature,
  totalLength,
  type Appearance,
  type LockOptions,
  type PrepareSignatureOptions,
  type PreparedSignature,
} from './signature.js';
export { appendDss, vriKey, type DssInput, type DssItems } from './dss.js';
export { addSignatureFields, type SignatureFieldSpec } from './form.js';
export { writeParts, chunks } from './output.js';
export { DEFAULT_MAX_DECODED_BYTES } from './filters.js';
export {
  DEFAULT_CJK_FONT,
  EmbeddableFont,
  buildTextAppearance,
  type TextAppearanceOptions,
} from './appearance.js';
