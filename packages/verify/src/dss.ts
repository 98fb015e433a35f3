import { type PdfDocument, PdfStream } from '@jitsuin/pdf';

/** What a PDF's document security store (/DSS in the catalog) holds, decoded. */
export interface DssContents {
  certs: Buffer[];
  crls: Buffer[];
  ocsps: Buffer[];
  /** Items that could not be read (named, for messages). */
  unreadable: string[];
}

/** Bounds a hostile DSS: more items than this are not read. */
const MAX_ITEMS = 1000;

/**
 * Reads /DSS /Certs, /CRLs and /OCSPs of the newest revision. The per-signature /VRI
 * dictionaries are not needed: every item is checked against the certificate it would answer for.
 */
export function readDss(doc: PdfDocument): DssContents {
  const out: DssContents = { certs: [], crls: [], ocsps: [], unreadable: [] };
  let dss;
  try {
    dss = doc.resolveDict(doc.catalog.get('DSS'), 'the /DSS');
  } catch {
    out.unreadable.push('/DSS');
    return out;
  }
  if (!dss) return out;
  for (const [key, list] of [['Certs', out.certs], ['CRLs', out.crls], ['OCSPs', out.ocsps]] as const) {
    let items;
    try {
      items = doc.resolveArray(dss.get(key), `/DSS /${key}`) ?? [];
    } catch {
      out.unreadable.push(`/DSS /${key}`);
      continue;
    }
    for (const [i, item] of items.slice(0, MAX_ITEMS).entries()) {
      try {
        const stream = doc.resolve(item);
        if (stream instanceof PdfStream) list.push(doc.decodeStream(stream, `/DSS /${key} item ${i + 1}`));
        else out.unreadable.push(`/DSS /${key} item ${i + 1}`);
      } catch {
        out.unreadable.push(`/DSS /${key} item ${i + 1}`);
      }
    }
  }
  return out;
}
