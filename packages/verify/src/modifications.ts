import {
  type FieldLock,
  type MdpPermissions,
  PdfDict,
  PdfDocument,
  PdfName,
  type PdfObject,
  PdfRef,
  PdfStream,
  PdfString,
  readTerminalFields,
  type TerminalField,
  xrefSectionObjects,
} from '@jitsuin/pdf';
import { VerifyInputError } from './errors.js';
import type { Modifications } from './report.js';

/**
 * What changed after each signature (issue 4, item 4): every revision after the signed one is
 * compared object by object with the revision before it. Only the objects a revision's own xref
 * sections list are read, so the cost follows the size of the updates, not of the document.
 *
 * As in pyHanko's diff analysis, every redefined object is suspect until a rule explains it:
 * signatures and their fields, DSS and document timestamps, metadata, form filling, annotations.
 * Rules only ever approve an *existing* object in the role it already had (a page's /Annots, the
 * old DSS, a field's value); objects that are new in the revision are approved when an approved
 * structure reaches them. Whatever no rule explains is OTHER.
 */

/** What one change is, in increasing order of what it may do to the document. */
export type ChangeKind = 'signature' | 'timestamp' | 'dss' | 'metadata' | 'form' | 'annotation' | 'other';

export interface ModificationChange {
  /** 1-based number of the revision (in file order) that made the change. */
  revision: number;
  kind: ChangeKind;
  /** The class this change counts as in the report. */
  level: Modifications;
  /** Object numbers involved (may be empty, e.g. for a trailer change). */
  objects: number[];
  /** The form field the change belongs to, if any. */
  field?: string;
  message: string;
}

export interface ModificationFinding {
  fieldName: string;
  /** The worst class of change after the signed revision. */
  modifications: Modifications;
  /** False when a change is OTHER, or not allowed by the certification (DocMDP) or a lock in force. */
  permitted: boolean;
  /** The MDP level in force for changes after this signature (certification and the signature's own lock /P), null when none. */
  permissions: MdpPermissions | null;
  /** 1-based revision whose %%EOF ends the signed bytes; null when the signed bytes end at no revision. */
  signedRevision: number | null;
  /** Revisions after the signed one. */
  laterRevisions: number;
  changes: ModificationChange[];
  /** Plain sentences: each change, and why something is not permitted. */
  messages: string[];
  /** The sentences that make `permitted` false (each change not allowed, and why); empty when permitted. */
  violations: string[];
}

export interface SignedRevisionRef {
  fieldName: string;
  /** Offset just past the signed bytes (the end of the ByteRange's second range). */
  signedRevisionEnd: number;
}

export interface ModificationOptions {
  /** A revision that redefines more existing objects than this is reported as OTHER without looking further. Default 100,000. */
  maxChangedObjects?: number;
  /** More revisions than this are refused with INVALID_ARGUMENT. Default 10,000. */
  maxRevisions?: number;
}

const LEVEL: Record<ChangeKind, Modifications> = {
  signature: 'NONE',
  timestamp: 'LTA_UPDATES',
  dss: 'LTA_UPDATES',
  metadata: 'LTA_UPDATES',
  form: 'FORM_FILLING',
  annotation: 'ANNOTATIONS',
  other: 'OTHER',
};
const ORDER: Modifications[] = ['NONE', 'LTA_UPDATES', 'FORM_FILLING', 'ANNOTATIONS', 'OTHER'];

/** What each DocMDP level allows (ISO 32000-2 12.8.2.2; PAdES lets DSS and document timestamps through even at P=1). */
const ALLOWED: Record<MdpPermissions, ReadonlySet<ChangeKind>> = {
  1: new Set(['timestamp', 'dss', 'metadata']),
  2: new Set(['timestamp', 'dss', 'metadata', 'signature', 'form']),
  3: new Set(['timestamp', 'dss', 'metadata', 'signature', 'form', 'annotation']),
};

/** Keys of a non-signature field (or its widget) that filling it in may change. */
const VALUE_KEYS = new Set(['V', 'AS', 'AP', 'RV']);
/** Keys of an empty signature field that signing it may change. */
const SIGNING_KEYS = new Set(['V', 'AP', 'AS', 'Lock']);
const FORM_KEYS_FORM_FILL = new Set(['NeedAppearances', 'DA', 'DR']);
const DSS_KEYS = new Set(['Type', 'Certs', 'CRLs', 'OCSPs', 'VRI']);
const VRI_KEYS = new Set(['Type', 'TU', 'TS', 'Cert', 'CRL', 'OCSP']);
const SAFE_ACTIONS = new Set(['URI', 'GoTo']);
const MAX_DEPTH = 64;
/** Changes that create a visible signature field: not allowed after a certification (as pyHanko, whose SigFieldCreationRule says why). */
const NEW_VISIBLE_FIELD = new WeakSet<ModificationChange>();
const MAX_PAGES_WALKED = 1_000_000;

interface Change {
  /** null: the object is new in this revision. */
  old: PdfObject;
  cur: PdfObject;
}

/** A lock-relevant change: what it did to which field. */
interface FieldTouch {
  field: string;
  change: ModificationChange;
}

interface StepResult {
  revision: number;
  changes: ModificationChange[];
  touches: FieldTouch[];
}

/**
 * For each signature, what changed in the revisions after the one it signed. Pure and synchronous;
 * reads only the objects later revisions redefine (and the structures that say what they are).
 * Throws VerifyInputError (INVALID_ARGUMENT) when the file cannot be read as a PDF at all; a later
 * revision that cannot be read is itself a change (OTHER).
 */
export function analyseModifications(
  pdf: Uint8Array,
  signatures: readonly SignedRevisionRef[],
  options: ModificationOptions = {},
): ModificationFinding[] {
  const bytes = Buffer.isBuffer(pdf) ? pdf : Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
  let doc: PdfDocument;
  let revisions: number[];
  try {
    doc = PdfDocument.open(bytes);
    revisions = doc.revisions;
  } catch (err) {
    throw new VerifyInputError(`the document cannot be read as a PDF: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const maxRevisions = options.maxRevisions ?? 10_000;
  if (revisions.length > maxRevisions) throw new VerifyInputError(`the document has ${revisions.length} revisions; more than ${maxRevisions} is refused`);
  const maxChanged = options.maxChangedObjects ?? 100_000;

  // Which revision (index into `revisions`) each xref section belongs to.
  const sectionsByRevision = new Map<number, number[]>();
  for (const section of doc.sections) {
    const r = revisions.findIndex((end) => end >= section.end);
    if (r < 0) continue;
    const list = sectionsByRevision.get(r) ?? [];
    list.push(section.offset);
    sectionsByRevision.set(r, list);
  }

  const signedIndex = signatures.map((s) => revisionOf(bytes, revisions, s.signedRevisionEnd));
  const first = Math.min(...signedIndex.filter((i): i is number => i !== undefined));
  const steps: StepResult[] = [];
  // Each step compares revision r with r - 1; only two revisions are open at a time, and the
  // signed ones are kept for judging (their certification and locks), with the objects the
  // steps already read, rather than opened and read again for each signature.
  const signedSet = new Set(signedIndex);
  const kept = new Map<number, PdfDocument | Error>();
  const open = (r: number) => {
    const d = openRevision(bytes, revisions[r]!);
    if (signedSet.has(r)) kept.set(r, d);
    return d;
  };
  if (Number.isFinite(first)) {
    let previous = open(first);
    for (let r = first + 1; r < revisions.length; r++) {
      const current = open(r);
      steps.push(analyseStep(bytes, r, previous, current, sectionsByRevision.get(r) ?? [], maxChanged));
      previous = current;
    }
  }

  return signatures.map((sig, i) => {
    const index = signedIndex[i];
    if (index === undefined) {
      const message = `field ${sig.fieldName}: the signed bytes end at ${sig.signedRevisionEnd}, which is not the end of a revision, so what changed after the signature cannot be told`;
      return { fieldName: sig.fieldName, modifications: 'OTHER', permitted: false, permissions: null, signedRevision: null, laterRevisions: 0, changes: [], messages: [message], violations: [message] };
    }
    const signed = kept.get(index) ?? openRevision(bytes, revisions[index]!);
    return judge(sig.fieldName, index, revisions.length, steps.filter((s) => s.revision > index + 1), signed);
  });
}

/** The index of the revision whose %%EOF (and end of line) ends at `end`. */
function revisionOf(bytes: Buffer, revisions: number[], end: number): number | undefined {
  for (let i = 0; i < revisions.length; i++) {
    const rev = revisions[i]!;
    if (rev < end || rev - end > 2) continue;
    let ok = true;
    for (let p = end; p < rev; p++) if (bytes[p] !== 0x0a && bytes[p] !== 0x0d) ok = false;
    if (ok) return i;
  }
  return undefined;
}

function openRevision(bytes: Buffer, end: number): PdfDocument | Error {
  try {
    return PdfDocument.open(bytes.subarray(0, end));
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** Applies the certification and the signature's locks to the changes after it. */
function judge(fieldName: string, index: number, revisionCount: number, steps: StepResult[], signed: PdfDocument | Error): ModificationFinding {
  const messages: string[] = [];
  let docMdp: MdpPermissions | undefined;
  const locks: FieldLock[] = [];
  if (signed instanceof PdfDocument) {
    try {
      docMdp = signed.certification?.permissions;
      const field = signed.signatureFields().find((f) => f.name === fieldName);
      if (field?.lock) locks.push(field.lock);
      if (field?.signature?.fieldMdp) locks.push(field.signature.fieldMdp);
    } catch (err) {
      messages.push(`field ${fieldName}: the certification and locks of the signed revision cannot be read (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  let permissions: MdpPermissions | undefined = docMdp;
  for (const lock of locks) if (lock.permissions && (!permissions || lock.permissions < permissions)) permissions = lock.permissions;

  const changes: ModificationChange[] = [];
  for (const step of steps) {
    const locked = new Set<ModificationChange>();
    for (const touch of step.touches) {
      const lock = locks.find((l) => isLocked(l, touch.field));
      if (!lock) continue;
      locked.add(touch.change);
      const what = lock.action === 'All' ? 'every field' : `${lock.action === 'Include' ? 'the fields' : 'every field but'} ${(lock.fields ?? []).join(', ')}`;
      changes.push({
        revision: step.revision,
        kind: 'other',
        level: 'OTHER',
        objects: touch.change.objects,
        field: touch.field,
        message: `revision ${step.revision}: field ${touch.field} is locked by signature ${fieldName} (/Action /${lock.action}: ${what}) but was changed (${touch.change.message.replace(/^revision \d+: /, '')})`,
      });
    }
    for (const change of step.changes) {
      if (locked.has(change)) continue;
      if (docMdp && NEW_VISIBLE_FIELD.has(change)) {
        changes.push({ ...change, kind: 'other', level: 'OTHER', message: `${change.message}: a new visible signature field after the certification can draw anything over the page` });
      } else changes.push(change);
    }
  }

  let worst: Modifications = 'NONE';
  const violations: string[] = [];
  for (const change of changes) {
    if (ORDER.indexOf(change.level) > ORDER.indexOf(worst)) worst = change.level;
    messages.push(change.message);
    if (change.kind === 'other') violations.push(change.message);
    else if (permissions && !ALLOWED[permissions].has(change.kind)) {
      const source = docMdp === permissions ? `the certification (DocMDP P=${permissions})` : `the lock of signature ${fieldName} (P=${permissions})`;
      const why = `revision ${change.revision}: ${describeKind(change.kind)} is not allowed by ${source}`;
      messages.push(why);
      violations.push(`${change.message} (${why.replace(/^revision \d+: /, '')})`);
    }
  }
  const permitted = violations.length === 0;
  return { fieldName, modifications: worst, permitted, permissions: permissions ?? null, signedRevision: index + 1, laterRevisions: revisionCount - index - 1, changes, messages, violations };
}

function describeKind(kind: ChangeKind): string {
  switch (kind) {
    case 'signature':
      return 'a later signature';
    case 'timestamp':
      return 'a document timestamp';
    case 'dss':
      return 'a DSS update';
    case 'metadata':
      return 'a metadata change';
    case 'form':
      return 'filling in a form field';
    case 'annotation':
      return 'an annotation change';
    default:
      return 'this change';
  }
}

function isLocked(lock: FieldLock, field: string): boolean {
  if (lock.action === 'All') return true;
  const listed = (lock.fields ?? []).some((f) => field === f || field.startsWith(`${f}.`));
  return lock.action === 'Include' ? listed : !listed;
}

// ---------------------------------------------------------------------------------------------
// One step: revision r against revision r - 1.

function analyseStep(bytes: Buffer, r: number, old: PdfDocument | Error, cur: PdfDocument | Error, sectionOffsets: number[], maxChanged: number): StepResult {
  const revision = r + 1;
  if (old instanceof Error || cur instanceof Error) {
    const err = (cur instanceof Error ? cur : old) as Error;
    const change: ModificationChange = { revision, kind: 'other', level: 'OTHER', objects: [], message: `revision ${revision} cannot be read (${err.message})` };
    return { revision, changes: [change], touches: [] };
  }
  const step = new Step(revision, old, cur);
  try {
    step.collect(bytes, sectionOffsets, maxChanged);
    if (!step.gaveUp) step.applyRules();
    step.finish();
  } catch (err) {
    step.other([], `revision ${revision} cannot be analysed (${err instanceof Error ? err.message : String(err)})`);
  }
  return { revision, changes: step.changes, touches: step.touches };
}

class Step {
  /** Existing objects this revision redefines with different contents. */
  readonly changed = new Map<number, Change>();
  /** Object numbers this revision defines for the first time. */
  readonly fresh = new Set<number>();
  /** Objects a rule explained (as allowed or as a reported OTHER). */
  readonly explained = new Set<number>();
  readonly changes: ModificationChange[] = [];
  readonly touches: FieldTouch[] = [];
  /** Widgets of signature fields created in this revision (allowed on pages' /Annots). */
  private readonly newSignatureWidgets = new Set<number>();
  private annotsOwners: Map<number, PdfRef> | undefined;
  gaveUp = false;

  constructor(
    readonly revision: number,
    readonly old: PdfDocument,
    readonly cur: PdfDocument,
  ) {}

  add(kind: ChangeKind, objects: number[], message: string, field?: string): ModificationChange {
    const change: ModificationChange = { revision: this.revision, kind, level: LEVEL[kind], objects, message: `revision ${this.revision}: ${message}` };
    if (field !== undefined) change.field = field;
    this.changes.push(change);
    for (const n of objects) this.explained.add(n);
    return change;
  }

  other(objects: number[], message: string, field?: string): void {
    this.add('other', objects, message, field);
  }

  /** The entries of this revision's xref sections: what it frees, redefines and defines. */
  collect(bytes: Buffer, sectionOffsets: number[], maxChanged: number): void {
    const { old, cur } = this;
    const listed = new Set<number>();
    const freed = new Set<number>();
    for (const offset of sectionOffsets) {
      const { inUse, freed: f } = xrefSectionObjects(bytes, offset);
      for (const n of inUse) listed.add(n);
      for (const n of f) freed.add(n);
    }
    // The xref of this revision must continue the previous one, not skip or re-order revisions.
    const oldest = cur.sections.find((s) => sectionOffsets.includes(s.offset) && !sectionOffsets.includes(prevOf(s)));
    if (oldest && prevOf(oldest) !== old.startxref) {
      this.other([], `its xref section's /Prev (${prevOf(oldest)}) is not the previous revision's xref (${old.startxref}): the revisions are not a simple chain of updates`);
    }
    // The xref streams of this revision are listed in themselves.
    for (const section of cur.sections) {
      if (section.form !== 'stream' || !sectionOffsets.includes(section.offset)) continue;
      const m = /^\s*(\d+)\s+\d+\s+obj/.exec(bytes.toString('latin1', section.offset, section.offset + 40));
      if (!m) continue;
      const n = Number(m[1]);
      if (old.xrefEntry(n)?.type === 'offset' || old.xrefEntry(n)?.type === 'compressed') {
        this.other([n], `its xref stream reuses object number ${n}, which the previous revision already used for ${describe(old.resolve(refTo(old, n)))}`);
      }
      listed.delete(n);
      this.explained.add(n);
    }
    for (const n of freed) {
      const entry = old.xrefEntry(n);
      if (entry && entry.type !== 'free') this.other([n], `object ${n} (${describe(old.resolve(refTo(old, n)))}) is deleted (freed in the xref)`);
    }
    const oldSize = old.nextObjectNumber;
    let existing = 0;
    for (const n of listed) {
      const before = old.xrefEntry(n);
      if (!before || before.type === 'free') {
        this.fresh.add(n);
        // A number the previous revision had room for but did not define (or had freed): a reference
        // made before the object existed would now show it, though nothing referring to it changed.
        if (n < oldSize) this.other([n], `object ${n} is defined, but its number was ${before ? 'freed' : 'left undefined'} in the previous revision: anything that already referred to it now shows new content`);
        continue;
      }
      if (++existing > maxChanged) {
        this.other([], `more than ${maxChanged} existing objects are redefined; the revision is not analysed further`);
        this.gaveUp = true;
        return;
      }
      const oldRef = refTo(old, n);
      const newRef = refTo(cur, n);
      const oldValue = old.getObject(oldRef);
      const newValue = cur.getObject(newRef);
      if (oldRef.gen !== newRef.gen) {
        this.other([n], `object ${n} changes generation (${oldRef.gen} to ${newRef.gen}): ${describe(oldValue)} becomes ${describe(newValue)}`);
        continue;
      }
      if (oldValue instanceof PdfStream && oldValue.dict.name('Type') === 'ObjStm') {
        this.other([n], `object stream ${n} is redefined: objects stored in it would change without being listed in the revision's xref`);
        continue;
      }
      if (!same(oldValue, newValue)) this.changed.set(n, { old: oldValue, cur: newValue });
    }
  }

  applyRules(): void {
    this.trailerRule();
    const oldCatalog = this.old.catalog;
    const newCatalog = this.cur.catalog;
    this.catalogRule(oldCatalog, newCatalog);
    this.formRule(oldCatalog, newCatalog);
    this.dssRule(oldCatalog, newCatalog);
    this.pageRule();
    this.annotationRule();
  }

  /** Whatever no rule explained is OTHER; new objects nothing reaches are harmless orphans. */
  finish(): void {
    for (const [n, { old, cur }] of this.changed) {
      if (this.explained.has(n)) continue;
      this.other([n], `object ${n}: ${describe(old)} is replaced by ${describe(cur)}${hint(old, cur)}; nothing allows this change`);
    }
  }

  // --- rules ------------------------------------------------------------------------------------

  private trailerRule(): void {
    const o = this.old.trailer;
    const c = this.cur.trailer;
    if (!same(o.get('Root'), c.get('Root'))) {
      this.other([], `the trailer's /Root now points to ${String(c.get('Root'))} instead of ${String(o.get('Root'))}: the document catalog was replaced`);
    }
    const oldInfo = o.get('Info');
    const newInfo = c.get('Info');
    const infoNum = newInfo instanceof PdfRef ? newInfo.num : undefined;
    const infoChanged = infoNum !== undefined && (this.changed.has(infoNum) || this.fresh.has(infoNum));
    if (!same(oldInfo, newInfo) || infoChanged) {
      if (newInfo !== undefined && !(newInfo instanceof PdfRef)) this.other([], 'the trailer /Info is not a reference');
      else if (infoNum !== undefined && this.changed.has(infoNum) && !(oldInfo instanceof PdfRef && oldInfo.num === infoNum)) {
        // An existing object taken over as the information dictionary: reuse, not metadata.
        this.other([infoNum], `the trailer's /Info now points to object ${infoNum}, which was ${describe(this.changed.get(infoNum)!.old)}`);
      } else {
        const objects = infoNum !== undefined && (this.changed.has(infoNum) || this.fresh.has(infoNum)) ? [infoNum] : [];
        for (const n of objects) this.approveNew(this.cur.resolve(newInfo), n);
        this.add('metadata', objects, 'the document information dictionary (/Info) changed');
      }
    }
  }

  private catalogRule(oldCatalog: PdfDict, newCatalog: PdfDict): void {
    const root = this.cur.catalogRef.num;
    for (const key of diffKeys(oldCatalog, newCatalog)) {
      switch (key) {
        case 'AcroForm':
        case 'DSS':
          break; // their own rules
        case 'Metadata': {
          const value = newCatalog.get('Metadata');
          const n = value instanceof PdfRef ? value.num : undefined;
          if (n !== undefined && this.changed.has(n)) this.other([n], `the catalog /Metadata now points to object ${n}, which was ${describe(this.changed.get(n)!.old)}`);
          else {
            if (n !== undefined) this.approveNew(value, n);
            this.add('metadata', n !== undefined && this.fresh.has(n) ? [n] : [], 'the XMP metadata stream (/Metadata) was replaced');
          }
          break;
        }
        case 'Extensions':
          this.add('dss', [], 'the catalog /Extensions (developer extensions such as ESIC for PAdES) changed');
          break;
        default:
          this.other([root], `the document catalog's /${key} ${verb(oldCatalog.get(key), newCatalog.get(key))}${catalogHint(key)}`);
      }
    }
    // The catalog's own redefinition is explained once every key change is (others were reported).
    if (this.changed.has(root)) this.explained.add(root);
    const md = newCatalog.get('Metadata');
    if (md instanceof PdfRef && this.changed.has(md.num) && !this.explained.has(md.num) && same(oldCatalog.get('Metadata'), md)) {
      this.explained.add(md.num);
      this.add('metadata', [md.num], `the XMP metadata stream (object ${md.num}) changed`);
    }
  }

  private formRule(oldCatalog: PdfDict, newCatalog: PdfDict): void {
    const { old, cur } = this;
    const oldValue = oldCatalog.get('AcroForm');
    const newValue = newCatalog.get('AcroForm');
    const oldForm = old.resolveDict(oldValue, 'the /AcroForm') ?? new PdfDict();
    const newForm = cur.resolveDict(newValue, 'the /AcroForm') ?? new PdfDict();
    if (newValue instanceof PdfRef) {
      if (this.fresh.has(newValue.num)) this.explained.add(newValue.num);
      else if (this.changed.has(newValue.num)) {
        if (oldValue instanceof PdfRef && oldValue.num === newValue.num) this.explained.add(newValue.num);
        else this.other([newValue.num], `the catalog's /AcroForm now points to object ${newValue.num}, which was ${describe(this.changed.get(newValue.num)!.old)}`);
      }
    }
    for (const key of diffKeys(oldForm, newForm)) {
      if (key === 'Fields') continue;
      if (key === 'SigFlags') continue; // set by every signer; only meaningful with signatures
      if (FORM_KEYS_FORM_FILL.has(key)) {
        this.approveNewIn(newForm.get(key));
        this.add('form', [], `the form's /${key} changed`);
      } else this.other([], `the interactive form's /${key} ${verb(oldForm.get(key), newForm.get(key))}${key === 'XFA' ? ' (an XFA form can show other content than the PDF)' : ''}`);
    }

    // /Fields may only grow: every earlier entry stays where it was.
    const oldFields = old.resolveArray(oldForm.get('Fields'), 'the /AcroForm /Fields') ?? [];
    const newFieldsValue = newForm.get('Fields');
    const newFields = cur.resolveArray(newFieldsValue, 'the /AcroForm /Fields') ?? [];
    const grows = oldFields.length <= newFields.length && oldFields.every((f, i) => same(f, newFields[i]));
    if (!grows) this.other([], 'the form\'s /Fields lost or re-ordered fields');
    if (newFieldsValue instanceof PdfRef && (this.changed.has(newFieldsValue.num) || this.fresh.has(newFieldsValue.num))) {
      const wasFields = same(oldForm.get('Fields'), newFieldsValue) || this.fresh.has(newFieldsValue.num);
      if (wasFields && grows) this.explained.add(newFieldsValue.num);
    }

    const oldByName = byName(readTerminalFields(old));
    const newByName = byName(readTerminalFields(cur));
    for (const name of oldByName.keys()) if (!newByName.has(name)) this.other([], `form field ${name} was removed`, name);
    for (const [name, field] of newByName) {
      const before = oldByName.get(name);
      if (before) this.existingField(name, before, field);
      else this.newField(name, field);
    }
  }

  private newField(name: string, field: TerminalField): void {
    const objects = [field.ref, ...field.widgets.map((w) => w.ref)].filter((r): r is PdfRef => r instanceof PdfRef).map((r) => r.num);
    if (field.fieldType !== 'Sig') {
      this.other(objects, `a new form field ${name} (/FT /${field.fieldType ?? '?'}) was added; only signature fields may be added after signing`, name);
      return;
    }
    const reused = objects.filter((n) => this.changed.has(n));
    if (reused.length > 0) {
      this.other(reused, `the new signature field ${name} reuses existing object${reused.length > 1 ? 's' : ''} ${reused.join(', ')}`, name);
      return;
    }
    for (const n of objects) this.explained.add(n);
    for (const w of field.widgets) if (w.ref) this.newSignatureWidgets.add(w.ref.num);
    const approved = this.approveNewIn(field.dict, ['P', 'Parent']);
    for (const w of field.widgets) if (w.dict !== field.dict) approved.push(...this.approveNewIn(w.dict, ['P', 'Parent']));
    const sig = this.signatureValue(name, field.dict);
    if (sig === 'reused') return;
    const visible = field.widgets.some((w) => hasArea(this.cur.resolve(w.dict.get('Rect'))));
    const kind: ChangeKind = sig === 'DocTimeStamp' ? 'timestamp' : 'signature';
    const what = sig === undefined ? `a new empty signature field ${name}` : sig === 'DocTimeStamp' ? `a document timestamp in a new field ${name}` : `a signature in a new field ${name}`;
    const change = this.add(kind, [...objects, ...approved], `${what}${visible ? ' (visible)' : ''}`, name);
    // An invisible new field changes nothing a lock protects; a visible one shows something new
    // (its appearance is drawn over the page), so locks and a certification forbid it.
    if (visible) {
      this.touches.push({ field: name, change });
      NEW_VISIBLE_FIELD.add(change);
    }
  }

  /** The type of the signature a field's /V holds ('reused' when /V is an existing object: reported). */
  private signatureValue(name: string, fieldDict: PdfDict): string | undefined | 'reused' {
    const v = fieldDict.get('V');
    if (v === undefined) return undefined;
    if (v instanceof PdfRef && !this.fresh.has(v.num)) {
      this.other([v.num], `signature field ${name}'s /V is object ${v.num}, which already existed (${describe(this.old.resolve(v))}): a signature dictionary is new with its signature`, name);
      return 'reused';
    }
    const sig = this.cur.resolveDict(v, `/V of ${name}`);
    return sig?.name('Type') ?? 'Sig';
  }

  private existingField(name: string, before: TerminalField, field: TerminalField): void {
    const { changed } = this;
    if ((before.ref?.num ?? -1) !== (field.ref?.num ?? -1)) {
      this.other(field.ref ? [field.ref.num] : [], `form field ${name} is now object ${field.ref?.num ?? '(direct)'} instead of ${before.ref?.num ?? '(direct)'}`, name);
      return;
    }
    const isSig = field.fieldType === 'Sig';
    const wasSigned = before.dict.has('V');
    const signing = isSig && !wasSigned && field.dict.has('V');
    const keys = diffKeys(before.dict, field.dict);
    const allowedKeys = isSig ? (signing ? SIGNING_KEYS : new Set<string>()) : VALUE_KEYS;
    const bad = keys.filter((k) => !allowedKeys.has(k));
    const fieldNum = field.ref?.num;

    if (isSig && wasSigned) {
      // The signature dictionary of a signed field never changes.
      const v = field.dict.get('V');
      if (v instanceof PdfRef && changed.has(v.num)) {
        const dictKeys = diffKeys(asDict(changed.get(v.num)!.old), asDict(changed.get(v.num)!.cur));
        this.other([v.num], `the signature dictionary of ${name} (object ${v.num}) was changed (${dictKeys.map((k) => `/${k}`).join(', ') || 'its contents'})`, name);
      }
    }
    if (bad.length > 0) {
      const what = isSig ? (wasSigned ? `the signed signature field ${name}` : `the empty signature field ${name}`) : `form field ${name}`;
      this.other(fieldNum !== undefined ? [fieldNum] : [], `${what} changed its ${bad.map((k) => `/${k}`).join(', ')}${isSig && !wasSigned ? ' without being signed' : ''}`, name);
      return;
    }

    const objects: number[] = [];
    if (fieldNum !== undefined && changed.has(fieldNum)) objects.push(fieldNum);
    for (const key of keys) objects.push(...this.approveNewIn(field.dict.get(key)));
    // A value held in an object of its own (e.g. a text string) may be redefined in place.
    for (const key of ['V', 'RV']) {
      const v = field.dict.get(key);
      if (!isSig && v instanceof PdfRef && changed.has(v.num) && same(before.dict.get(key), v)) objects.push(v.num);
    }

    // Widgets that are objects of their own: only their appearance may change.
    const oldWidgets = new Set(before.widgets.map((w) => w.ref?.num));
    for (const w of field.widgets) {
      if (!w.ref || w.dict === field.dict) continue;
      if (!oldWidgets.has(w.ref.num)) {
        this.other([w.ref.num], `form field ${name} got a new widget annotation (object ${w.ref.num})`, name);
        continue;
      }
      const c = changed.get(w.ref.num);
      if (!c) continue;
      const wKeys = diffKeys(asDict(c.old), asDict(c.cur));
      const wBad = wKeys.filter((k) => !(k === 'AP' || k === 'AS' || (signing && k === 'MK')));
      if (wBad.length > 0) {
        this.other([w.ref.num], `the widget of ${name} (object ${w.ref.num}) changed its ${wBad.map((k) => `/${k}`).join(', ')}`, name);
        continue;
      }
      if (!isSig || signing) {
        objects.push(w.ref.num);
        for (const key of wKeys) objects.push(...this.approveNewIn(w.dict.get(key)));
      } else this.other([w.ref.num], `the appearance of signature field ${name} (widget ${w.ref.num}) changed`, name);
    }
    if (objects.length === 0 && keys.length === 0) return;
    for (const n of objects) this.explained.add(n);

    if (signing) {
      const sig = this.signatureValue(name, field.dict);
      if (sig === 'reused') return;
      const change = this.add(sig === 'DocTimeStamp' ? 'timestamp' : 'signature', objects, sig === 'DocTimeStamp' ? `a document timestamp in the empty field ${name}` : `a signature in the empty field ${name}`, name);
      this.touches.push({ field: name, change });
    } else if (isSig) {
      this.other(objects, `signature field ${name} changed`, name);
    } else {
      const value = field.dict.get('V');
      const shown = textOf(this.cur.resolve(value));
      const change = this.add('form', objects, `form field ${name} was filled in${shown !== undefined ? ` (value ${JSON.stringify(shown.slice(0, 80))})` : ''}`, name);
      this.touches.push({ field: name, change });
    }
  }

  private dssRule(oldCatalog: PdfDict, newCatalog: PdfDict): void {
    const { old, cur } = this;
    const oldValue = oldCatalog.get('DSS');
    const newValue = newCatalog.get('DSS');
    // The containers of the old DSS: the only existing objects an update of the DSS may redefine.
    const oldContainers = new Set<number>();
    const oldDss = old.resolveDict(oldValue, 'the /DSS');
    if (oldValue instanceof PdfRef) oldContainers.add(oldValue.num);
    if (oldDss) {
      for (const key of ['Certs', 'CRLs', 'OCSPs']) refNum(oldDss.get(key), oldContainers);
      const vriValue = oldDss.get('VRI');
      refNum(vriValue, oldContainers);
      const vri = old.resolveDict(vriValue, 'the /DSS /VRI');
      for (const entryValue of vri?.entries.values() ?? []) {
        refNum(entryValue, oldContainers);
        const entry = old.resolveDict(entryValue, 'a /VRI entry');
        for (const key of ['Cert', 'CRL', 'OCSP']) refNum(entry?.get(key), oldContainers);
      }
    }
    const newDss = cur.resolveDict(newValue, 'the /DSS');
    if (!newDss) {
      if (oldDss) this.other([], 'the DSS was removed');
      return;
    }
    const objects: number[] = [];
    const problems: string[] = [];
    const container = (value: PdfObject | undefined, what: string) => {
      if (!(value instanceof PdfRef)) return;
      if (this.fresh.has(value.num)) objects.push(value.num);
      else if (this.changed.has(value.num)) {
        if (oldContainers.has(value.num)) objects.push(value.num);
        else problems.push(`${what} is object ${value.num}, which was ${describe(this.changed.get(value.num)!.old)}`);
      }
    };
    const items = (value: PdfObject | undefined, what: string) => {
      container(value, what);
      for (const item of cur.resolveArray(value, what) ?? []) {
        if (!(item instanceof PdfRef)) {
          problems.push(`${what} holds a direct value instead of stream references`);
          continue;
        }
        if (this.fresh.has(item.num)) {
          if (!(cur.getObject(item) instanceof PdfStream)) problems.push(`${what} item ${item.num} is not a stream`);
          else objects.push(item.num);
        } else if (this.changed.has(item.num)) problems.push(`${what} item ${item.num} redefines ${describe(this.changed.get(item.num)!.old)}`);
      }
    };
    container(newValue, 'the /DSS');
    for (const key of newDss.entries.keys()) if (!DSS_KEYS.has(key)) problems.push(`the DSS has an unexpected /${key}`);
    for (const key of ['Certs', 'CRLs', 'OCSPs']) items(newDss.get(key), `/DSS /${key}`);
    const vriValue = newDss.get('VRI');
    container(vriValue, '/DSS /VRI');
    const oldVri = old.resolveDict(oldDss?.get('VRI'), 'the /DSS /VRI');
    const vri = cur.resolveDict(vriValue, 'the /DSS /VRI');
    for (const [key, entryValue] of vri?.entries ?? []) {
      if (!/^[0-9A-F]{40}$/.test(key)) problems.push(`VRI key ${key} is not an upper-case hex SHA-1`);
      if (oldVri?.has(key) && same(oldVri.get(key), entryValue) && !(entryValue instanceof PdfRef && this.changed.has(entryValue.num))) continue;
      container(entryValue, `/VRI /${key}`);
      const entry = cur.resolveDict(entryValue, `/VRI /${key}`);
      for (const k of entry?.entries.keys() ?? []) if (!VRI_KEYS.has(k)) problems.push(`VRI entry ${key} has an unexpected /${k}`);
      for (const k of ['Cert', 'CRL', 'OCSP']) items(entry?.get(k), `/VRI /${key} /${k}`);
      const ts = entry?.get('TS');
      if (ts instanceof PdfRef && this.fresh.has(ts.num)) objects.push(ts.num);
    }
    if (problems.length > 0) {
      this.other(objects, `the DSS update is not only validation data: ${problems.join('; ')}`);
      return;
    }
    const dssChanged = !same(oldValue, newValue) || objects.length > 0;
    if (!dssChanged) return;
    this.add('dss', objects, `validation data was added to the DSS (${objects.length} object${objects.length === 1 ? '' : 's'})`);
  }

  /** Existing page objects redefined: only their /Annots may change, within the annotation rules. */
  private pageRule(): void {
    for (const [n, { old, cur }] of this.changed) {
      if (this.explained.has(n) || !isPage(old)) continue;
      const page = this.pageLabel(n);
      if (!isPage(cur)) {
        this.other([n], `${page} (object ${n}) is replaced by ${describe(cur)}`);
        continue;
      }
      const keys = diffKeys(old, cur);
      const bad = keys.filter((k) => k !== 'Annots');
      if (bad.length > 0) {
        this.other([n], `${page} (object ${n}) changed its ${bad.map((k) => `/${k}`).join(', ')}${pageHint(bad)}`);
        continue;
      }
      const oldAnnots = this.old.resolveArray(old.get('Annots'), `/Annots of ${page}`) ?? [];
      const newValue = cur.get('Annots');
      if (newValue instanceof PdfRef && !same(old.get('Annots'), newValue) && this.changed.has(newValue.num)) {
        this.other([n, newValue.num], `${page}'s /Annots now points to object ${newValue.num}, which was ${describe(this.changed.get(newValue.num)!.old)}`);
        continue;
      }
      if (newValue instanceof PdfRef && this.fresh.has(newValue.num)) this.explained.add(newValue.num);
      const newAnnots = this.cur.resolveArray(newValue, `/Annots of ${page}`) ?? [];
      if (this.compareAnnots(page, oldAnnots, newAnnots)) this.explained.add(n);
    }
    // /Annots arrays that are objects of their own, redefined while the page dictionary stayed.
    for (const [n, { old, cur }] of this.changed) {
      if (this.explained.has(n) || !Array.isArray(old)) continue;
      const owner = this.annotsOwner(n);
      if (!owner) continue;
      if (!Array.isArray(cur)) continue;
      if (this.compareAnnots(this.pageLabel(owner.num), old, cur)) this.explained.add(n);
    }
  }

  /** Compares a page's annotations; true when every difference is allowed (reported as it goes). */
  private compareAnnots(page: string, before: PdfObject[], after: PdfObject[]): boolean {
    const oldNums = new Set(before.filter((a): a is PdfRef => a instanceof PdfRef).map((a) => a.num));
    const newNums = new Set(after.filter((a): a is PdfRef => a instanceof PdfRef).map((a) => a.num));
    if (before.some((a) => !(a instanceof PdfRef)) || after.some((a) => !(a instanceof PdfRef))) {
      const directBefore = before.filter((a) => !(a instanceof PdfRef));
      const directAfter = after.filter((a) => !(a instanceof PdfRef));
      if (!same(directBefore, directAfter)) this.add('annotation', [], `direct annotations on ${page} changed`);
    }
    let ok = true;
    for (const n of oldNums) {
      if (newNums.has(n)) continue;
      const annot = asDict(this.old.resolve(refTo(this.old, n)));
      if (annot?.name('Subtype') === 'Widget') {
        ok = false;
        this.other([n], `the widget annotation ${n} of a form field was removed from ${page}`);
      } else this.add('annotation', [n], `annotation ${n} (/${annot?.name('Subtype') ?? '?'}) was removed from ${page}`);
    }
    for (const item of after) {
      if (!(item instanceof PdfRef) || oldNums.has(item.num)) continue;
      const n = item.num;
      if (this.newSignatureWidgets.has(n)) continue;
      const value = this.cur.getObject(item);
      const annot = asDict(value);
      if (!annot || !isAnnotation(annot)) {
        ok = false;
        this.other([n], `object ${n}, added to ${page}'s /Annots, is ${describe(value)}, not an annotation`);
        continue;
      }
      if (annot.name('Subtype') === 'Widget') {
        ok = false;
        if (!this.explained.has(n)) this.other([n], `a widget annotation (object ${n}) was added to ${page} without a new signature field`);
        continue;
      }
      const c = this.changed.get(n);
      if (c && !(asDict(c.old) && isAnnotation(asDict(c.old)!) && asDict(c.old)!.name('Subtype') === annot.name('Subtype'))) {
        ok = false;
        this.other([n], `object ${n}, added to ${page}'s /Annots, was ${describe(c.old)} and is reused as a /${annot.name('Subtype') ?? '?'} annotation`);
        continue;
      }
      const action = unsafeAction(this.cur, annot);
      if (action) {
        ok = false;
        this.other([n], `the annotation ${n} added to ${page} carries an action (${action})`);
        continue;
      }
      const objects = [n, ...this.approveNewIn(annot, ['P', 'Parent'])];
      if (this.fresh.has(n) || c) this.explained.add(n);
      this.add('annotation', objects, `a /${annot.name('Subtype') ?? '?'} annotation (object ${n}) was added to ${page}${hasArea(this.cur.resolve(annot.get('Rect'))) ? ` over ${rectText(this.cur.resolve(annot.get('Rect')))}` : ''}`);
    }
    return ok;
  }

  /** Existing (non-widget) annotations changed in place. */
  private annotationRule(): void {
    for (const [n, { old, cur }] of this.changed) {
      if (this.explained.has(n)) continue;
      const before = asDict(old);
      if (!before || !isAnnotation(before) || before.name('Subtype') === 'Widget') continue;
      const after = asDict(cur);
      if (!after || after.name('Subtype') !== before.name('Subtype')) {
        this.other([n], `annotation ${n} (/${before.name('Subtype') ?? '?'}) is replaced by ${describe(cur)}`);
        continue;
      }
      const action = unsafeAction(this.cur, after);
      if (action) {
        this.other([n], `annotation ${n} now carries an action (${action})`);
        continue;
      }
      const objects = [n];
      for (const key of diffKeys(before, after)) objects.push(...this.approveNewIn(after.get(key), ['P', 'Parent']));
      this.add('annotation', objects, `annotation ${n} (/${before.name('Subtype') ?? '?'}) was changed`);
    }
  }

  // --- helpers ----------------------------------------------------------------------------------

  /** Approves the objects new in this revision that `value` reaches (not through `skip` keys at its top); returns them. */
  private approveNewIn(value: PdfObject | undefined, skip: string[] = []): number[] {
    const out: number[] = [];
    const walk = (v: PdfObject | undefined, depth: number, top: boolean) => {
      if (depth > MAX_DEPTH || v === undefined || v === null) return;
      if (v instanceof PdfRef) {
        if (!this.fresh.has(v.num) || this.explained.has(v.num)) return;
        this.explained.add(v.num);
        out.push(v.num);
        walk(this.cur.getObject(v), depth + 1, false);
      } else if (Array.isArray(v)) for (const item of v) walk(item, depth + 1, false);
      else if (v instanceof PdfDict || v instanceof PdfStream) {
        const d = v instanceof PdfStream ? v.dict : v;
        for (const [k, item] of d.entries) if (!(top && skip.includes(k))) walk(item, depth + 1, false);
      }
    };
    walk(value, 0, true);
    return out;
  }

  /** Approves object `n` (the value `value` refers to or is) and, when it is new, what it reaches. */
  private approveNew(value: PdfObject | undefined, n: number): void {
    const isNew = this.fresh.has(n) && !this.explained.has(n);
    this.explained.add(n);
    if (isNew) this.approveNewIn(this.cur.resolve(value));
  }

  private pageLabel(num: number): string {
    try {
      const p = this.old.pageNumberOf(refTo(this.old, num));
      return p ? `page ${p}` : `page object ${num}`;
    } catch {
      return `page object ${num}`;
    }
  }

  /** The page whose /Annots is the array object `num` (in the previous revision), by one walk of its page tree. */
  private annotsOwner(num: number): PdfRef | undefined {
    if (!this.annotsOwners) {
      const owners = new Map<number, PdfRef>();
      const seen = new Set<number>();
      const stack: PdfObject[] = [this.old.catalog.get('Pages') ?? null];
      while (stack.length > 0 && seen.size < MAX_PAGES_WALKED) {
        const node = stack.pop()!;
        if (!(node instanceof PdfRef) || seen.has(node.num)) continue;
        seen.add(node.num);
        const dict = asDict(this.old.resolve(node));
        if (!dict) continue;
        const kids = this.old.resolve(dict.get('Kids'));
        if (Array.isArray(kids)) stack.push(...kids);
        const annots = dict.get('Annots');
        if (annots instanceof PdfRef) owners.set(annots.num, node);
      }
      this.annotsOwners = owners;
    }
    return this.annotsOwners.get(num);
  }
}

// ---------------------------------------------------------------------------------------------
// Small pure helpers.

function prevOf(section: { trailer: PdfDict }): number {
  const prev = section.trailer.get('Prev');
  return typeof prev === 'number' ? prev : -1;
}

/** A reference to object `n` with the generation the document's xref gives it. */
function refTo(doc: PdfDocument, n: number): PdfRef {
  const entry = doc.xrefEntry(n);
  return new PdfRef(n, entry?.type === 'offset' ? entry.gen : 0);
}

function refNum(value: PdfObject | undefined, into: Set<number>): void {
  if (value instanceof PdfRef) into.add(value.num);
}

function byName(fields: TerminalField[]): Map<string, TerminalField> {
  const map = new Map<string, TerminalField>();
  for (const f of fields) if (!map.has(f.name)) map.set(f.name, f);
  return map;
}

function asDict(value: PdfObject | undefined): PdfDict | undefined {
  if (value instanceof PdfDict) return value;
  if (value instanceof PdfStream) return value.dict;
  return undefined;
}

function isPage(value: PdfObject | undefined): value is PdfDict {
  return value instanceof PdfDict && value.name('Type') === 'Page';
}

function isAnnotation(dict: PdfDict): boolean {
  return dict.name('Type') === 'Annot' || (dict.has('Subtype') && dict.has('Rect'));
}

function hasArea(rect: PdfObject | undefined): boolean {
  if (!Array.isArray(rect) || rect.length !== 4 || !rect.every((v) => typeof v === 'number')) return false;
  const [x1, y1, x2, y2] = rect as number[];
  return Math.abs(x2! - x1!) * Math.abs(y2! - y1!) > 0;
}

function rectText(rect: PdfObject | undefined): string {
  return Array.isArray(rect) ? `[${rect.map((v) => (typeof v === 'number' ? Math.round(v * 100) / 100 : '?')).join(' ')}]` : '?';
}

/** An action other than a link (URI, GoTo): JavaScript, Launch, SubmitForm ... */
function unsafeAction(doc: PdfDocument, annot: PdfDict): string | undefined {
  if (annot.has('AA')) return 'additional actions /AA';
  const action = asDict(doc.resolve(annot.get('A')));
  const s = action?.name('S');
  if (action && (!s || !SAFE_ACTIONS.has(s))) return `/S /${s ?? '?'}`;
  return undefined;
}

function textOf(value: PdfObject | undefined): string | undefined {
  if (value instanceof PdfString) return value.text();
  if (value instanceof PdfName) return value.value;
  return undefined;
}

/** Keys whose values differ between two dictionaries (either may be absent). */
function diffKeys(a: PdfDict | undefined, b: PdfDict | undefined): string[] {
  const keys = new Set([...(a?.entries.keys() ?? []), ...(b?.entries.keys() ?? [])]);
  return [...keys].filter((k) => !same(a?.get(k), b?.get(k)));
}

/** Deep equality of two PDF values as written: references by number and generation, streams by their encoded bytes. */
export function same(a: PdfObject | undefined, b: PdfObject | undefined, depth = 0): boolean {
  if (depth > MAX_DEPTH) return false;
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (a instanceof PdfRef) return b instanceof PdfRef && a.num === b.num && a.gen === b.gen;
  if (a instanceof PdfName) return b instanceof PdfName && a.value === b.value;
  if (a instanceof PdfString) return b instanceof PdfString && a.bytes.equals(b.bytes);
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i], depth + 1));
  if (a instanceof PdfStream) return b instanceof PdfStream && a.data.equals(b.data) && sameDict(a.dict, b.dict, depth);
  if (a instanceof PdfDict) return b instanceof PdfDict && sameDict(a, b, depth);
  return false;
}

function sameDict(a: PdfDict, b: PdfDict, depth: number): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a.entries) if (!b.has(k) || !same(v, b.get(k), depth + 1)) return false;
  return true;
}

/** "a /Font dictionary", "a stream (/XObject /Form)", "an array" ... */
function describe(value: PdfObject | undefined): string {
  if (value === undefined || value === null) return 'nothing (null)';
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `the boolean ${value}`;
  if (value instanceof PdfName) return `the name /${value.value}`;
  if (value instanceof PdfString) return 'a string';
  if (value instanceof PdfRef) return `a reference to ${value.num}`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value instanceof PdfStream) {
    const t = [value.dict.name('Type'), value.dict.name('Subtype')].filter(Boolean).map((x) => `/${x}`).join(' ');
    return t ? `a stream (${t})` : 'a stream (page content or data)';
  }
  if (value instanceof PdfDict) {
    const t = [value.name('Type'), value.name('Subtype')].filter(Boolean).map((x) => `/${x}`).join(' ');
    return t ? `a ${t} dictionary` : 'a dictionary';
  }
  return 'an object';
}

function typeOf(value: PdfObject | undefined): string | undefined {
  const d = asDict(value);
  return d ? (d.name('Type') ?? d.name('Subtype')) : undefined;
}

function hint(old: PdfObject, cur: PdfObject): string {
  const before = typeOf(old);
  const after = typeOf(cur);
  if (before !== after && old !== null) return ` (object reuse: what was used as ${describe(old)} now is something else)`;
  if (before === 'Pages') return ' (pages were added, removed or re-ordered)';
  if (before === 'Font' || before === 'XObject' || old instanceof PdfStream) return ' (what pages draw with it can change)';
  return '';
}

function pageHint(keys: string[]): string {
  if (keys.includes('Contents')) return ' (the page shows other content: a new or replaced content stream)';
  if (keys.includes('Resources')) return ' (fonts, images or XObjects the page draws with were replaced)';
  return '';
}

function catalogHint(key: string): string {
  if (key === 'Pages') return ' (a different page tree)';
  if (key === 'Perms') return ' (the certification or usage rights changed)';
  if (key === 'OpenAction' || key === 'AA' || key === 'Names') return ' (actions or scripts the viewer runs)';
  return '';
}

function verb(before: PdfObject | undefined, after: PdfObject | undefined): string {
  if (before === undefined) return 'was added';
  if (after === undefined) return 'was removed';
  return 'changed';
}
