import { badOption, precondition } from './errors.js';
import type { PageRef, PdfDocument } from './document.js';
import { readTerminalFields } from './fields.js';
import { PdfDict, PdfIndirect, PdfRef, PdfStream, PdfString, dict, name, type PdfObject } from './objects.js';
import { IncrementalWriter, type IncrementalUpdate } from './writer.js';

/** A ready appearance stream for a widget (content bytes and resources). */
export interface Appearance {
  /** The content stream's operators. */
  content: Uint8Array | string;
  /** The resource dictionary (fonts, images); new objects inside may be wrapped in PdfIndirect. */
  resources?: PdfDict;
  /** Defaults to [0 0 width height] of the widget rectangle. */
  bbox?: [number, number, number, number];
}

export interface LockOptions {
  action: 'All' | 'Include' | 'Exclude';
  /** Field names for 'Include' / 'Exclude'. */
  fields?: string[];
  /** PDF 2.0 /P of the lock dictionary: 1 = no changes after this signature. */
  permissions?: 1 | 2 | 3;
}

/** An empty signature field to create, for a later signer. */
export interface SignatureFieldSpec {
  fieldName: string;
  /** 1-based page (default 1). */
  page?: number;
  /** [llx, lly, urx, ury]; omit for an invisible field. */
  rect?: [number, number, number, number];
  /** A lock the signature in this field will apply (/Lock on the field). */
  lock?: LockOptions;
  /** The appearance of the empty field (default: an empty appearance). */
  appearance?: Appearance;
}

/**
 * Edits the interactive form within one incremental update: adds widgets to pages and fields to
 * /AcroForm /Fields, accumulating over several fields, and writes the catalog and form at the end.
 */
export class FormEditor {
  readonly catalog: PdfDict;
  catalogChanged = false;
  private form: PdfDict | undefined;
  private formRef: PdfRef | undefined;
  private formChanged = false;

  constructor(
    readonly doc: PdfDocument,
    readonly writer: IncrementalWriter,
  ) {
    this.catalog = doc.catalog.clone();
  }

  /** The current value of an object: as changed in this update, or as in the document. */
  current(ref: PdfRef): PdfObject | undefined {
    return this.writer.pending(ref) ?? this.doc.resolve(ref);
  }

  private loadForm(): PdfDict {
    if (!this.form) {
      const value = this.catalog.get('AcroForm');
      this.formRef = value instanceof PdfRef ? value : undefined;
      this.form = this.doc.resolveDict(value, 'the /AcroForm')?.clone() ?? new PdfDict();
    }
    return this.form;
  }

  /** Adds a widget annotation to a page's /Annots. */
  addToPage(page: PageRef, annot: PdfRef): void {
    const pageDict = (this.writer.pending(page.ref) as PdfDict | undefined) ?? page.dict;
    const annots = pageDict.get('Annots');
    if (annots instanceof PdfRef) {
      const list = this.current(annots);
      this.writer.update(annots, [...(Array.isArray(list) ? list : []), annot]);
    } else {
      const list = Array.isArray(annots) ? annots : [];
      this.writer.update(page.ref, pageDict.clone().set('Annots', [...list, annot]));
    }
  }

  /** Adds a top-level field to /AcroForm /Fields (creating the form if needed). */
  addField(field: PdfRef): void {
    const form = this.loadForm();
    const fields = form.get('Fields');
    if (fields instanceof PdfRef) {
      const list = this.current(fields);
      this.writer.update(fields, [...(Array.isArray(list) ? list : []), field]);
    } else {
      form.set('Fields', [...(Array.isArray(fields) ? fields : []), field]);
      this.formChanged = true;
    }
    if (!this.formRef) this.formChanged = true;
  }

  /** /SigFlags 3 (signatures exist, append only), and no /NeedAppearances. */
  markSigned(): void {
    const form = this.loadForm();
    const flags = form.get('SigFlags');
    const next = typeof flags === 'number' && Number.isInteger(flags) ? flags | 3 : 3;
    if (flags !== next || form.has('NeedAppearances')) {
      form.set('SigFlags', next);
      form.delete('NeedAppearances');
      this.formChanged = true;
    }
  }

  /** Creates a signature field merged with its widget on `page`, with value `value` if given. */
  createField(spec: SignatureFieldSpec, value?: PdfRef): PdfRef {
    const page = this.doc.getPage(spec.page ?? 1);
    const rect = normaliseRect(spec.rect ?? [0, 0, 0, 0]);
    // An invisible widget (zero-size /Rect) needs no appearance (ISO 32000-2 12.5.5), and
    // validators treat one as a change: pyHanko refuses a document timestamp field that brings
    // an /AP stream after the document was locked, as it does not for one without.
    const invisible = rect[0] === rect[2] && rect[1] === rect[3];
    const widget = dict({
      Type: name('Annot'),
      Subtype: name('Widget'),
      FT: name('Sig'),
      T: PdfString.text(spec.fieldName),
      V: value,
      F: 132,
      Rect: rect,
      P: page.ref,
      AP: invisible && !spec.appearance ? undefined : dict({ N: appearanceStream(spec.appearance, rect) }),
      Lock: spec.lock ? new PdfIndirect(lockDict(spec.lock)) : undefined,
    });
    const ref = this.writer.add(widget);
    this.addToPage(page, ref);
    this.addField(ref);
    return ref;
  }

  /** Queues the form and catalog changes; call once, before writing. */
  finish(): void {
    if (this.form && this.formChanged) {
      if (this.formRef) this.writer.update(this.formRef, this.form);
      else {
        this.catalog.set('AcroForm', this.writer.add(this.form));
        this.catalogChanged = true;
      }
    }
    if (this.catalogChanged) this.writer.update(this.doc.catalogRef, this.catalog);
  }
}

/** Checks a list of new fields: names, pages, rectangles, no clash with existing fields. */
export function checkFieldSpecs(doc: PdfDocument, specs: SignatureFieldSpec[], taken: Set<string>): void {
  for (const spec of specs) {
    if (typeof spec.fieldName !== 'string' || spec.fieldName.length === 0 || spec.fieldName.length > 255) {
      throw badOption('fieldName must be a non-empty string of at most 255 characters');
    }
    if (spec.fieldName.includes('.')) throw badOption(`a new field's name cannot contain '.' (${spec.fieldName})`);
    if (taken.has(spec.fieldName)) throw precondition(`the document already has a field named ${spec.fieldName}`);
    taken.add(spec.fieldName);
    if (spec.page !== undefined && (!Number.isInteger(spec.page) || spec.page < 1)) throw badOption('page must be 1 or more');
    checkRect(spec.rect);
    checkLock(spec.lock);
    if (spec.page !== undefined) doc.getPage(spec.page);
  }
}

export function checkRect(rect: unknown): void {
  if (rect === undefined) return;
  if (!Array.isArray(rect) || rect.length !== 4 || !rect.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw badOption('rect must be [llx, lly, urx, ury], four finite numbers');
  }
}

export function checkLock(lock: LockOptions | undefined): void {
  if (!lock) return;
  if (!['All', 'Include', 'Exclude'].includes(lock.action)) throw badOption('lock.action must be All, Include or Exclude');
  if (lock.action !== 'All' && !lock.fields?.length) throw badOption(`lock.action ${lock.action} needs fields`);
  if (lock.permissions !== undefined && ![1, 2, 3].includes(lock.permissions)) {
    throw badOption('lock.permissions must be 1, 2 or 3');
  }
}

/**
 * Adds empty signature fields (e.g. one per party, visible where each should sign) as one
 * incremental update. A certification signature should come after the fields exist: validators
 * such as pyHanko refuse new visible fields created after a certification signature.
 */
export function addSignatureFields(doc: PdfDocument, specs: SignatureFieldSpec[]): IncrementalUpdate {
  if (!Array.isArray(specs) || specs.length === 0) throw badOption('no signature fields to add');
  checkFieldSpecs(doc, specs, new Set(readTerminalFields(doc).map((f) => f.name)));
  const writer = new IncrementalWriter(doc);
  const editor = new FormEditor(doc, writer);
  for (const spec of specs) editor.createField(spec);
  editor.finish();
  return writer.write();
}

export function lockDict(lock: LockOptions, type: 'SigFieldLock' | 'TransformParams' = 'SigFieldLock'): PdfDict {
  return dict({
    Type: name(type),
    Action: name(lock.action),
    Fields: lock.action === 'All' ? undefined : (lock.fields ?? []).map((f) => PdfString.text(f)),
    P: lock.permissions,
  });
}

export function normaliseRect(rect: [number, number, number, number]): number[] {
  const [x1, y1, x2, y2] = rect;
  return [Math.min(x1, x2), Math.min(y1, y2), Math.max(x1, x2), Math.max(y1, y2)];
}

/** A form XObject for /AP /N: the caller's appearance, or an empty one of the widget's size. */
export function appearanceStream(appearance: Appearance | undefined, rect: PdfObject[]): PdfIndirect {
  const nums = rect.map((v) => (typeof v === 'number' ? v : 0));
  const width = Math.abs((nums[2] ?? 0) - (nums[0] ?? 0));
  const height = Math.abs((nums[3] ?? 0) - (nums[1] ?? 0));
  const content = appearance?.content ?? '';
  const data = typeof content === 'string' ? Buffer.from(content, 'latin1') : Buffer.from(content);
  return new PdfIndirect(
    new PdfStream(
      dict({
        Type: name('XObject'),
        Subtype: name('Form'),
        BBox: appearance?.bbox ?? [0, 0, width, height],
        Resources: appearance?.resources ?? new PdfDict(),
      }),
      data,
    ),
  );
}
