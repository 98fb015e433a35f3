import { PdfDict, PdfDocument, PdfString } from '@jitsuin/pdf';
import { run } from '@jitsuin/testkit/validators';
import type { PkiFixture } from './helpers.js';

export { pdfsig, pyhanko, pyhankoAvailable, qpdfCheck, type PdfsigSignature, type PyhankoReport, type PyhankoSignature } from '@jitsuin/testkit/validators';

export interface EmbeddedSignature {
  field: string;
  type: 'Sig' | 'DocTimeStamp';
  /** The DER in /Contents, without the zero padding. */
  der: Buffer;
  /** The bytes the /ByteRange covers. */
  signedBytes: Buffer;
}

/** Length of the DER element at the start of `b` (definite lengths). */
function derLength(b: Buffer): number {
  const first = b[1]!;
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + b[2 + i]!;
  return 2 + n + len;
}

/** Every signature's CMS (or timestamp token) and the ByteRange content it covers, as an independent reader finds them. */
export function embeddedSignatures(pdf: Buffer): EmbeddedSignature[] {
  const doc = PdfDocument.open(pdf);
  return doc
    .signatureFields()
    .filter((f) => f.signed)
    .map((f) => {
      const sig = doc.getObject(f.signature!.ref!) as PdfDict;
      const contents = doc.resolve(sig.get('Contents')) as PdfString;
      const [a, b, c, d] = f.signature!.byteRange!;
      return {
        field: f.name,
        type: f.signature!.type === 'DocTimeStamp' ? 'DocTimeStamp' : 'Sig',
        der: contents.bytes.subarray(0, derLength(contents.bytes)),
        signedBytes: Buffer.concat([pdf.subarray(a!, a! + b!), pdf.subarray(c!, c! + d!)]),
      };
    });
}

/**
 * `openssl cms -verify` of each CAdES signature over its ByteRange content, trusting the test
 * roots; for document timestamps `openssl ts -verify` over the ByteRange content.
 */
export async function opensslVerify(f: PkiFixture, pdf: Buffer, tag: string): Promise<{ field: string; type: string; code: number; out: string }[]> {
  const roots = f.path(f.manifest.trust.all);
  const results = [];
  for (const [i, s] of embeddedSignatures(pdf).entries()) {
    const sigFile = await f.file(`${tag}-${i}.p7s`, s.der);
    const dataFile = await f.file(`${tag}-${i}.bin`, s.signedBytes);
    const r =
      s.type === 'Sig'
        ? await run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', sigFile, '-content', dataFile, '-CAfile', roots, '-purpose', 'any', '-out', '/dev/null'])
        : await run('openssl', ['ts', '-verify', '-data', dataFile, '-in', sigFile, '-token_in', '-CAfile', roots]);
    results.push({ field: s.field, type: s.type, code: r.code, out: r.out.trim() });
  }
  return results;
}
