import { invalidPdf } from './errors.js';
import { PdfDict, PdfName, PdfRef, PdfString, isInteger, type PdfObject } from './objects.js';
import type { PdfDocument } from './document.js';

/** MDP permission levels: 1 no changes, 2 form filling and signing, 3 also annotations. */
export type MdpPermissions = 1 | 2 | 3;

/** A field lock dictionary (/Lock) or FieldMDP transform parameters. */
export interface FieldLock {
  action: 'All' | 'Include' | 'Exclude';
  fields?: string[];
  /** PDF 2.0: the DocMDP level that signing the field applies. */
  permissions?: MdpPermissions;
}

export interface SignatureWidget {
  ref?: PdfRef;
  /** 1-based page number, when the widget's page is known. */
  page?: number;
  pageRef?: PdfRef;
  rect?: [number, number, number, number];
}

export interface SignatureValue {
  ref?: PdfRef;
  /** 'Sig' or 'DocTimeStamp'. */
  type?: string;
  subFilter?: string;
  byteRange?: number[];
  /** /M as written (a PDF date string). */
  signingTime?: string;
  /** The DocMDP level, when this is a certification signature. */
  docMdp?: MdpPermissions;
  /** The FieldMDP transform parameters, when the signature locked fields. */
  fieldMdp?: FieldLock;
}

export interface SignatureField {
  /** The fully qualified field name (partial names joined by '.'). */
  name: string;
  ref?: PdfRef;
  signed: boolean;
  signature?: SignatureValue;
  widgets: SignatureWidget[];
  lock?: FieldLock;
}

export interface Certification {
  permissions: MdpPermissions;
  signatureRef?: PdfRef;
}

export interface TerminalField {
  name: string;
  ref?: PdfRef;
  dict: PdfDict;
  fieldType?: string;
  /** The widget annotations: the field itself when merged, or its kids. */
  widgets: { ref?: PdfRef; dict: PdfDict }[];
}

const MAX_FIELD_DEPTH = 32;
const MAX_FIELDS = 100_000;

/** Every terminal form field (of any type), with its fully qualified name and inherited /FT. */
export function readTerminalFields(doc: PdfDocument): TerminalField[] {
  const form = doc.acroForm;
  if (!form) return [];
  const top = doc.resolveArray(form.get('Fields'), 'the /AcroForm /Fields') ?? [];
  const out: TerminalField[] = [];
  const visited = new Set<number>();
  let seen = 0;
  const walk = (node: PdfObject, parentName: string | undefined, inheritedType: string | undefined, depth: number) => {
    if (depth > MAX_FIELD_DEPTH) throw invalidPdf(`form fields nested deeper than ${MAX_FIELD_DEPTH}`);
    if (++seen > MAX_FIELDS) throw invalidPdf(`more than ${MAX_FIELDS} form fields`);
    const ref = node instanceof PdfRef ? node : undefined;
    if (ref) {
      if (visited.has(ref.num)) throw invalidPdf(`the form field tree loops back to object ${ref}`);
      visited.add(ref.num);
    }
    const dict = doc.resolveDict(node, `form field ${ref ?? ''}`.trim());
    if (!dict) return;
    const partial = textOf(doc.resolve(dict.get('T')));
    const name = partial === undefined ? (parentName ?? '') : parentName ? `${parentName}.${partial}` : partial;
    const ft = doc.resolve(dict.get('FT'));
    const fieldType = ft instanceof PdfName ? ft.value : inheritedType;
    const kids = doc.resolveArray(dict.get('Kids'), `/Kids of form field ${name}`) ?? [];
    const kidDicts = kids.map((kid) => ({
      ref: kid instanceof PdfRef ? kid : undefined,
      dict: doc.resolveDict(kid, `form field ${name} kid`),
    }));
    const fieldKids = kidDicts.filter((k) => k.dict && (k.dict.has('T') || k.dict.has('FT') || k.dict.has('Kids')));
    if (fieldKids.length > 0) {
      for (const kid of kids) walk(kid, name, fieldType, depth + 1);
      return;
    }
    for (const k of kidDicts) if (k.ref) visited.add(k.ref.num);
    const widgets =
      kidDicts.length > 0
        ? kidDicts.filter((k): k is { ref: PdfRef | undefined; dict: PdfDict } => k.dict !== undefined)
        : dict.has('Rect') || dict.name('Subtype') === 'Widget'
          ? [{ ref, dict }]
          : [];
    out.push({ name, ref, dict, fieldType, widgets });
  };
  for (const field of top) walk(field, undefined, undefined, 0);
  return out;
}

export function readSignatureFields(doc: PdfDocument): SignatureField[] {
  return readTerminalFields(doc)
    .filter((f) => f.fieldType === 'Sig')
    .map((f) => {
      const value = doc.resolveDict(f.dict.get('V'), `/V of signature field ${f.name}`);
      const vRef = f.dict.get('V');
      const lockDict = doc.resolveDict(f.dict.get('Lock'), `/Lock of signature field ${f.name}`);
      return {
        name: f.name,
        ref: f.ref,
        signed: value !== undefined,
        signature: value ? readSignatureValue(doc, value, vRef instanceof PdfRef ? vRef : undefined) : undefined,
        widgets: f.widgets.map((w) => readWidget(doc, w.ref, w.dict)),
        lock: lockDict ? readLock(doc, lockDict) : undefined,
      };
    });
}

function readWidget(doc: PdfDocument, ref: PdfRef | undefined, dict: PdfDict): SignatureWidget {
  const rectValue = doc.resolveArray(dict.get('Rect'), '/Rect of a signature widget');
  const rect =
    rectValue && rectValue.length === 4 && rectValue.every((v) => typeof v === 'number')
      ? (rectValue as [number, number, number, number])
      : undefined;
  const p = dict.get('P');
  const pageRef = p instanceof PdfRef ? p : undefined;
  return { ref, rect, pageRef, page: pageRef ? doc.pageNumberOf(pageRef) : undefined };
}

function readSignatureValue(doc: PdfDocument, sig: PdfDict, ref: PdfRef | undefined): SignatureValue {
  const m = doc.resolve(sig.get('M'));
  const byteRange = doc.resolve(sig.get('ByteRange'));
  const out: SignatureValue = {
    ref,
    type: sig.name('Type'),
    subFilter: sig.name('SubFilter'),
    byteRange: Array.isArray(byteRange) && byteRange.every(isInteger) ? (byteRange as number[]) : undefined,
    signingTime: m instanceof PdfString ? m.text() : undefined,
  };
  for (const item of doc.resolveArray(sig.get('Reference'), '/Reference of a signature') ?? []) {
    const r = doc.resolveDict(item, 'a signature reference dictionary');
    const params = doc.resolveDict(r?.get('TransformParams'), '/TransformParams');
    if (r?.name('TransformMethod') === 'DocMDP') out.docMdp = mdpLevel(doc.resolve(params?.get('P')), 2);
    if (r?.name('TransformMethod') === 'FieldMDP' && params) out.fieldMdp = readLock(doc, params);
  }
  return out;
}

function mdpLevel(value: PdfObject | undefined, fallback: MdpPermissions | undefined): MdpPermissions | undefined {
  return value === 1 || value === 2 || value === 3 ? value : fallback;
}

function readLock(doc: PdfDocument, dict: PdfDict): FieldLock {
  const action = dict.name('Action');
  const fields = doc.resolveArray(dict.get('Fields'), '/Fields of a lock');
  return {
    action: action === 'Include' || action === 'Exclude' ? action : 'All',
    fields: fields?.map((f) => textOf(doc.resolve(f)) ?? ''),
    permissions: mdpLevel(doc.resolve(dict.get('P')), undefined),
  };
}

export function readCertification(doc: PdfDocument): Certification | undefined {
  const perms = doc.resolveDict(doc.catalog.get('Perms'), 'the catalog /Perms');
  const docMdp = perms?.get('DocMDP');
  const sig = doc.resolveDict(docMdp, 'the /Perms /DocMDP signature');
  if (!sig) return undefined;
  const value = readSignatureValue(doc, sig, docMdp instanceof PdfRef ? docMdp : undefined);
  return { permissions: value.docMdp ?? 2, signatureRef: value.ref };
}

function textOf(value: PdfObject | undefined): string | undefined {
  return value instanceof PdfString ? value.text() : undefined;
}
