import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { badOption, JitsuinError } from './errors.js';
import type { PdfDocument } from './document.js';
import { PdfDict, PdfRef, PdfStream, dict, name, type PdfObject } from './objects.js';
import { IncrementalWriter, type IncrementalUpdate } from './writer.js';

export interface DssItems {
  certs?: Uint8Array[];
  crls?: Uint8Array[];
  ocsps?: Uint8Array[];
}

export interface DssInput extends DssItems {
  /**
   * Validation-related information per signature, keyed by the upper-case hex SHA-1 of the
   * signature's /Contents bytes (see vriKey).
   */
  vri?: Record<string, DssItems>;
}

const KINDS = [
  { input: 'certs', dss: 'Certs', vri: 'Cert' },
  { input: 'crls', dss: 'CRLs', vri: 'CRL' },
  { input: 'ocsps', dss: 'OCSPs', vri: 'OCSP' },
] as const;

/** The VRI key of a signature: upper-case hex SHA-1 of its /Contents value (DER and padding). */
export function vriKey(contents: Uint8Array): string {
  return createHash('sha1').update(contents).digest('hex').toUpperCase();
}

/**
 * Adds certificates, CRLs and OCSP responses to the document security store (/DSS) as an
 * incremental update, merging with an existing DSS: items already stored (same bytes) are
 * referenced again, not copied. When nothing is new, the appended part is empty.
 */
export function appendDss(doc: PdfDocument, input: DssInput): IncrementalUpdate {
  const writer = new IncrementalWriter(doc);
  const catalog = doc.catalog;
  const dssValue = catalog.get('DSS');
  const existing = doc.resolveDict(dssValue, 'the /DSS');
  const dss = existing ? existing.clone() : dict({ Type: name('DSS') });
  let changed = false;
  let touched = false;

  // What the store holds already, by SHA-256 of the decoded bytes, per kind.
  const pools = new Map<string, Map<string, PdfRef>>();
  for (const kind of KINDS) {
    const pool = new Map<string, PdfRef>();
    pools.set(kind.dss, pool);
    for (const item of doc.resolveArray(dss.get(kind.dss), `/DSS /${kind.dss}`) ?? []) {
      if (!(item instanceof PdfRef)) continue;
      const stream = doc.getObject(item);
      if (!(stream instanceof PdfStream)) continue;
      try {
        pool.set(sha256(doc.decodeStream(stream, `DSS item ${item}`)), item);
      } catch (error) {
        if (!(error instanceof JitsuinError)) throw error;
        // An item we cannot decode stays in the store; it just cannot be matched.
      }
    }
  }

  const store = (kind: (typeof KINDS)[number], bytes: Uint8Array): PdfRef => {
    if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw badOption(`empty item in DSS ${kind.input}`);
    const pool = pools.get(kind.dss)!;
    const hash = sha256(bytes);
    let ref = pool.get(hash);
    if (!ref) {
      ref = writer.add(new PdfStream(dict({ Filter: name('FlateDecode') }), deflateSync(bytes)));
      pool.set(hash, ref);
      const list = doc.resolveArray(dss.get(kind.dss), `/DSS /${kind.dss}`) ?? [];
      dss.set(kind.dss, [...list, ref]);
      changed = true;
    }
    return ref;
  };

  for (const kind of KINDS) for (const bytes of input[kind.input] ?? []) store(kind, bytes);

  if (input.vri && Object.keys(input.vri).length > 0) {
    const vriValue = dss.get('VRI');
    const vri = doc.resolveDict(vriValue, 'the /DSS /VRI')?.clone() ?? new PdfDict();
    let vriChanged = false;
    for (const [rawKey, items] of Object.entries(input.vri)) {
      const key = rawKey.toUpperCase();
      if (!/^[0-9A-F]{40}$/.test(key)) throw badOption(`VRI key ${rawKey} is not a hex SHA-1`);
      const entryValue = vri.get(key);
      const entry = doc.resolveDict(entryValue, `/VRI /${key}`)?.clone() ?? new PdfDict();
      let entryChanged = false;
      for (const kind of KINDS) {
        const list = (doc.resolveArray(entry.get(kind.vri), `/VRI /${key} /${kind.vri}`) ?? []) as PdfObject[];
        const refs = new Set(list.filter((r): r is PdfRef => r instanceof PdfRef).map((r) => r.num));
        const added: PdfRef[] = [];
        for (const bytes of items[kind.input] ?? []) {
          const ref = store(kind, bytes);
          if (!refs.has(ref.num)) {
            refs.add(ref.num);
            added.push(ref);
          }
        }
        if (added.length > 0) {
          entry.set(kind.vri, [...list, ...added]);
          entryChanged = true;
        }
      }
      if (entryChanged) {
        if (entryValue instanceof PdfRef) {
          writer.update(entryValue, entry);
          touched = true;
        } else {
          vri.set(key, entry);
          vriChanged = true;
        }
      }
    }
    if (vriChanged) {
      if (vriValue instanceof PdfRef) {
        writer.update(vriValue, vri);
        touched = true;
      } else {
        dss.set('VRI', vri);
        changed = true;
      }
    }
  }

  if (!changed && !touched) {
    return { parts: [doc.bytes, Buffer.alloc(0)], placeholders: new Map(), startxref: doc.startxref, objectOffsets: new Map() };
  }
  if (changed) {
    if (dssValue instanceof PdfRef) writer.update(dssValue, dss);
    else writer.update(doc.catalogRef, catalog.clone().set('DSS', writer.add(dss)));
  }
  return writer.write();
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
