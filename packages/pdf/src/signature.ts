import { createHash } from 'node:crypto';
import { badOption, exhausted, precondition } from './errors.js';
import type { PdfDocument } from './document.js';
import { readTerminalFields, type FieldLock, type MdpPermissions, type SignatureField } from './fields.js';
import {
  PdfDict,
  PdfIndirect,
  PdfPlaceholder,
  PdfRef,
  PdfString,
  dict,
  name,
  type PdfObject,
} from './objects.js';
import { IncrementalWriter } from './writer.js';
import {
  FormEditor,
  appearanceStream,
  checkFieldSpecs,
  checkLock,
  checkRect,
  lockDict,
  type Appearance,
  type LockOptions,
  type SignatureFieldSpec,
} from './form.js';

export type { Appearance, LockOptions, SignatureFieldSpec };

export interface PrepareSignatureOptions {
  /** A new field's name, or the fully qualified name of an existing empty signature field. */
  fieldName: string;
  /** 1-based page of a new field's widget (default 1). */
  page?: number;
  /** [llx, lly, urx, ury] of a visible field; omit for an invisible one. */
  rect?: [number, number, number, number];
  appearance?: Appearance;
  /** 'Sig' (default) or 'DocTimeStamp'. */
  type?: 'Sig' | 'DocTimeStamp';
  /** Defaults to ETSI.CAdES.detached for 'Sig', ETSI.RFC3161 for 'DocTimeStamp'. */
  subFilter?: 'ETSI.CAdES.detached' | 'ETSI.RFC3161' | 'adbe.pkcs7.detached';
  /** Written as /M. */
  signingTime?: Date;
  reason?: string;
  location?: string;
  name?: string;
  contactInfo?: string;
  /** Bytes of DER to reserve in /Contents (the placeholder holds twice as many hex digits). */
  contentsSize: number;
  /** Make this a certification signature with this DocMDP level; it must be the first signature. */
  certify?: MdpPermissions;
  /** A field lock (FieldMDP) applied by this signature. */
  lock?: LockOptions;
  /**
   * Empty signature fields for later signers, created in the same revision (a certifying
   * signer lays out the other parties' fields this way; see addSignatureFields).
   */
  addFields?: SignatureFieldSpec[];
}

export interface PreparedSignature {
  /** The original file and the appended update; the placeholder is in the second part. */
  parts: [Buffer, Buffer];
  /** The /ByteRange written into the signature dictionary: [0, a, b, c]. */
  byteRange: [number, number, number, number];
  /** Offset of the '<' that opens /Contents in the whole output (equal to byteRange[1]). */
  contentsOffset: number;
  /** Bytes of DER that fit in /Contents. */
  contentsSize: number;
  fieldName: string;
  /** Reference of the signature dictionary in the new revision. */
  signatureRef: PdfRef;
}

/** The largest /Contents reservation accepted (DER bytes). */
export const MAX_CONTENTS_SIZE = 4 * 1024 * 1024;
const BYTE_RANGE_WIDTH = 64;

/**
 * Step 1 of signing: adds the signature field (or fills an existing empty one), the signature
 * dictionary with /ByteRange and /Contents placeholders, and the form, page and catalog updates
 * as one incremental update; fills in the /ByteRange. Hash with digestByteRange next.
 */
export function prepareSignature(doc: PdfDocument, options: PrepareSignatureOptions): PreparedSignature {
  const opts = checkOptions(options);
  const type = opts.type ?? 'Sig';
  const fields = readTerminalFields(doc);
  const sigFields = doc.signatureFields();
  const target = fields.find((f) => f.name === opts.fieldName);
  const signed = sigFields.filter((f) => f.signed);
  checkPreconditions(doc, opts, type, target, signed);
  if (opts.addFields?.length) checkFieldSpecs(doc, opts.addFields, new Set([...fields.map((f) => f.name), opts.fieldName]));

  const writer = new IncrementalWriter(doc);
  const editor = new FormEditor(doc, writer);

  // The signature dictionary with its placeholders.
  const sig = new PdfDict();
  sig.set('Type', name(type));
  sig.set('Filter', name('Adobe.PPKLite'));
  sig.set('SubFilter', name(opts.subFilter ?? (type === 'Sig' ? 'ETSI.CAdES.detached' : 'ETSI.RFC3161')));
  sig.set('ByteRange', new PdfPlaceholder('byterange', byteRangePlaceholder()));
  const contents = Buffer.alloc(2 * opts.contentsSize + 2, 0x30);
  contents[0] = 0x3c;
  contents[contents.length - 1] = 0x3e;
  sig.set('Contents', new PdfPlaceholder('contents', contents));
  if (opts.signingTime && type === 'Sig') sig.set('M', new PdfString(Buffer.from(pdfDate(opts.signingTime), 'latin1')));
  if (opts.name) sig.set('Name', PdfString.text(opts.name));
  if (opts.location) sig.set('Location', PdfString.text(opts.location));
  if (opts.reason) sig.set('Reason', PdfString.text(opts.reason));
  if (opts.contactInfo) sig.set('ContactInfo', PdfString.text(opts.contactInfo));
  const sigRef = writer.add(sig);

  let lock: LockOptions | undefined = opts.lock;
  if (target) {
    // Fill the template's empty field.
    const fieldRef = target.ref!;
    const field = target.dict.clone();
    field.set('V', sigRef);
    const existingLock = doc.resolveDict(target.dict.get('Lock'), `/Lock of field ${target.name}`);
    if (lock && !existingLock) field.set('Lock', new PdfIndirect(lockDict(lock)));
    else if (existingLock) lock = readLockOptions(doc, existingLock);
    const widget = target.widgets[0];
    if (opts.appearance) {
      if (target.widgets.length !== 1 || !widget) {
        throw precondition(`field ${target.name} has ${target.widgets.length} widgets; an appearance needs exactly one`);
      }
      const rect = doc.resolveArray(widget.dict.get('Rect'), `/Rect of field ${target.name}`) ?? [0, 0, 0, 0];
      const ap = appearanceStream(opts.appearance, rect);
      if (!widget.ref || widget.ref.equals(fieldRef)) field.set('AP', dict({ N: ap }));
      else writer.update(widget.ref, widget.dict.clone().set('AP', dict({ N: ap })));
    }
    writer.update(fieldRef, field);
  } else {
    editor.createField(
      { fieldName: opts.fieldName, page: opts.page, rect: opts.rect, appearance: opts.appearance, lock },
      sigRef,
    );
  }
  for (const spec of opts.addFields ?? []) editor.createField(spec);
  editor.markSigned();
  const catalog = editor.catalog;

  // Transform references: DocMDP for certification, FieldMDP for a lock.
  const references: PdfObject[] = [];
  if (opts.certify) {
    references.push(
      dict({
        Type: name('SigRef'),
        TransformMethod: name('DocMDP'),
        TransformParams: dict({ Type: name('TransformParams'), P: opts.certify, V: name('1.2') }),
      }),
    );
    const permsValue = catalog.get('Perms');
    const perms = doc.resolveDict(permsValue, 'the catalog /Perms')?.clone() ?? new PdfDict();
    perms.set('DocMDP', sigRef);
    if (permsValue instanceof PdfRef) writer.update(permsValue, perms);
    else {
      catalog.set('Perms', perms);
      editor.catalogChanged = true;
    }
  }
  if (lock) {
    const params = lockDict(lock, 'TransformParams');
    params.set('V', name('1.2'));
    references.push(
      dict({ Type: name('SigRef'), TransformMethod: name('FieldMDP'), Data: doc.catalogRef, TransformParams: params }),
    );
  }
  if (references.length > 0) sig.set('Reference', references);
  editor.finish();

  const update = writer.write();
  const [original, appended] = update.parts;
  const contentsAt = update.placeholders.get('contents')!;
  const rangeAt = update.placeholders.get('byterange')!;
  const total = original.length + appended.length;
  const a = contentsAt.offset;
  const b = contentsAt.offset + contentsAt.length;
  const byteRange: [number, number, number, number] = [0, a, b, total - b];
  const text = `[0 ${a} ${b} ${total - b}`;
  appended.write(`${text.padEnd(rangeAt.length - 1, ' ')}]`, rangeAt.offset - original.length, 'latin1');
  return {
    parts: [original, appended],
    byteRange,
    contentsOffset: a,
    contentsSize: opts.contentsSize,
    fieldName: opts.fieldName,
    signatureRef: sigRef,
  };
}

function checkOptions(options: PrepareSignatureOptions): PrepareSignatureOptions {
  const o = options;
  if (typeof o.fieldName !== 'string' || o.fieldName.length === 0 || o.fieldName.length > 255) {
    throw badOption('fieldName must be a non-empty string of at most 255 characters');
  }
  if (!Number.isInteger(o.contentsSize) || o.contentsSize < 64 || o.contentsSize > MAX_CONTENTS_SIZE) {
    throw badOption(`contentsSize must be an integer from 64 to ${MAX_CONTENTS_SIZE} (bytes of DER to reserve)`);
  }
  const type = o.type ?? 'Sig';
  if (type !== 'Sig' && type !== 'DocTimeStamp') throw badOption(`type must be 'Sig' or 'DocTimeStamp'`);
  if (o.subFilter !== undefined) {
    if (!['ETSI.CAdES.detached', 'ETSI.RFC3161', 'adbe.pkcs7.detached'].includes(o.subFilter)) {
      throw badOption(`unsupported subFilter ${o.subFilter}`);
    }
    if ((type === 'DocTimeStamp') !== (o.subFilter === 'ETSI.RFC3161')) {
      throw badOption(`subFilter ${o.subFilter} does not go with type ${type}`);
    }
  }
  if (type === 'DocTimeStamp' && (o.certify || o.lock)) {
    throw badOption('a document timestamp cannot certify or lock');
  }
  if (o.certify !== undefined && ![1, 2, 3].includes(o.certify)) throw badOption('certify must be 1, 2 or 3');
  if (o.page !== undefined && (!Number.isInteger(o.page) || o.page < 1)) throw badOption('page must be 1 or more');
  checkRect(o.rect);
  if (o.signingTime !== undefined && (!(o.signingTime instanceof Date) || Number.isNaN(o.signingTime.getTime()))) {
    throw badOption('signingTime must be a valid Date');
  }
  checkLock(o.lock);
  return o;
}

function checkPreconditions(
  doc: PdfDocument,
  opts: PrepareSignatureOptions,
  type: 'Sig' | 'DocTimeStamp',
  target: ReturnType<typeof readTerminalFields>[number] | undefined,
  signed: SignatureField[],
): void {
  if (target) {
    if (target.fieldType !== 'Sig') throw precondition(`field ${target.name} exists and is not a signature field`);
    if (target.dict.has('V')) throw precondition(`signature field ${target.name} is already signed`);
    if (!target.ref) throw precondition(`signature field ${target.name} is not an indirect object and cannot be filled`);
    if (opts.rect || opts.page) {
      throw badOption(`field ${target.name} already exists: its page and rectangle come from the document (omit page and rect)`);
    }
  } else if (opts.fieldName.includes('.')) {
    throw badOption(`there is no field ${opts.fieldName}; a new field's name cannot contain '.'`);
  }
  const certification = doc.certification;
  if (opts.certify && (certification || signed.length > 0)) {
    throw precondition(
      `a certification signature must be the first signature, but the document already has ${signed.length || 1}`,
    );
  }
  if (type === 'Sig') {
    if (certification?.permissions === 1) {
      throw precondition('the document is certified with no changes allowed (DocMDP P=1): it cannot be signed again');
    }
    for (const field of signed) {
      const locks = [field.lock, field.signature?.fieldMdp].filter((l): l is FieldLock => l !== undefined);
      for (const lock of locks) {
        if (lock.permissions === 1) {
          throw precondition(`signature ${field.name} locked the document (P=1): only timestamps and DSS may follow`);
        }
        if (target && locks.length > 0 && isLocked(lock, target.name)) {
          throw precondition(`signature ${field.name} locked field ${target.name}`);
        }
      }
    }
  }
}

function isLocked(lock: FieldLock, fieldName: string): boolean {
  if (lock.action === 'All') return true;
  const listed = (lock.fields ?? []).some((f) => fieldName === f || fieldName.startsWith(`${f}.`));
  return lock.action === 'Include' ? listed : !listed;
}

function readLockOptions(doc: PdfDocument, lock: PdfDict): LockOptions {
  const action = lock.name('Action');
  const fields = doc.resolveArray(lock.get('Fields'), '/Fields of /Lock') ?? [];
  const p = doc.resolve(lock.get('P'));
  return {
    action: action === 'Include' || action === 'Exclude' ? action : 'All',
    fields: fields.map((f) => {
      const v = doc.resolve(f);
      return v instanceof PdfString ? v.text() : '';
    }),
    permissions: p === 1 || p === 2 || p === 3 ? p : undefined,
  };
}

function byteRangePlaceholder(): Buffer {
  return Buffer.from(`${'[0 0 0 0'.padEnd(BYTE_RANGE_WIDTH - 1, ' ')}]`, 'latin1');
}

/** A PDF date in UTC: D:YYYYMMDDHHmmSS+00'00'. */
export function pdfDate(date: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `D:${p(date.getUTCFullYear(), 4)}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}` +
    `${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}+00'00'`
  );
}

/** The total length of the output the parts make. */
export function totalLength(parts: readonly Uint8Array[]): number {
  return parts.reduce((n, p) => n + p.length, 0);
}

/**
 * Step 2: the digest of the bytes the /ByteRange covers, hashed straight from the parts (the
 * original Buffer and the appended bytes), without joining them.
 */
export function digestByteRange(
  parts: readonly Uint8Array[],
  byteRange: readonly number[],
  algorithm: 'sha256' | 'sha384' | 'sha512' = 'sha256',
): Buffer {
  if (!['sha256', 'sha384', 'sha512'].includes(algorithm)) throw badOption(`unsupported digest algorithm ${algorithm}`);
  const total = totalLength(parts);
  if (byteRange.length === 0 || byteRange.length % 2 !== 0) throw badOption('byteRange must hold pairs of numbers');
  const hash = createHash(algorithm);
  let previousEnd = 0;
  for (let i = 0; i < byteRange.length; i += 2) {
    const start = byteRange[i]!;
    const length = byteRange[i + 1]!;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(length) || start < previousEnd || length < 0 || start + length > total) {
      throw badOption(`byteRange [${byteRange.join(' ')}] does not fit the ${total} bytes of the document`);
    }
    previousEnd = start + length;
    let base = 0;
    for (const part of parts) {
      const from = Math.max(start, base);
      const to = Math.min(start + length, base + part.length);
      if (from < to) hash.update(part.subarray(from - base, to - base));
      base += part.length;
    }
  }
  return hash.digest();
}

/**
 * Step 3: writes the DER (a CMS SignedData or a timestamp token) as hex into the /Contents
 * placeholder; the rest stays zero padding. Returns the final parts; `prepared` is not changed,
 * so a failed attempt can be retried.
 */
export function embedContents(prepared: PreparedSignature, der: Uint8Array): [Buffer, Buffer] {
  if (!(der instanceof Uint8Array) || der.length === 0) throw badOption('the signature DER is empty');
  if (der.length > prepared.contentsSize) {
    throw exhausted(
      `the signature is ${der.length} bytes but only ${prepared.contentsSize} bytes were reserved for /Contents: ` +
        'prepare the signature again with a larger contentsSize',
    );
  }
  const [original, appendedIn] = prepared.parts;
  const appended = Buffer.from(appendedIn);
  const at = prepared.contentsOffset - original.length;
  if (at < 0 || appended[at] !== 0x3c || appended[at + 2 * prepared.contentsSize + 1] !== 0x3e) {
    throw badOption('the prepared signature does not match its parts: /Contents is not where it says');
  }
  appended.write(Buffer.from(der).toString('hex').toUpperCase(), at + 1, 'latin1');
  return [original, appended];
}
