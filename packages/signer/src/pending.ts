import { badRequest } from './errors.js';
import type { PadesLevel, PendingSignature } from './types.js';

const LEVELS: readonly PadesLevel[] = ['B-B', 'B-T', 'B-LT', 'B-LTA'];
const isBuf = (v: unknown): v is Buffer => Buffer.isBuffer(v);
const asBuf = (v: unknown): unknown => (v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v);

/** The same pending signature with Uint8Arrays (as some stores hand them back) as Buffers. */
export function normalisePending(p: PendingSignature): PendingSignature {
  if (!p || typeof p !== 'object') return p;
  return {
    ...p,
    appended: asBuf(p.appended) as Buffer,
    signedAttributes: asBuf(p.signedAttributes) as Buffer,
    digest: asBuf(p.digest) as Buffer,
    digestInfo: asBuf(p.digestInfo) as Buffer,
    signerCertificate: asBuf(p.signerCertificate) as Buffer,
    chain: Array.isArray(p.chain) ? (p.chain.map(asBuf) as Buffer[]) : p.chain,
  };
}
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Checks the shape of a pending signature (as it came back from storage). */
export function checkPending(p: PendingSignature): void {
  const bad = (what: string) => badRequest(`the pending signature is not valid: ${what}`);
  if (!p || typeof p !== 'object') throw bad('it is missing');
  if (typeof p.fieldName !== 'string' || !p.fieldName) throw bad('fieldName');
  for (const k of ['appended', 'signedAttributes', 'digest', 'digestInfo', 'signerCertificate'] as const) if (!isBuf(p[k]) || p[k].length === 0) throw bad(k);
  if (!Array.isArray(p.chain) || !p.chain.every(isBuf)) throw bad('chain');
  if (!Array.isArray(p.byteRange) || p.byteRange.length !== 4 || !p.byteRange.every(isCount)) throw bad('byteRange');
  for (const k of ['contentsOffset', 'contentsSize', 'baseSize'] as const) if (!isCount(p[k])) throw bad(k);
  if (!LEVELS.includes(p.level)) throw bad('level');
  if (typeof p.baseSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(p.baseSha256)) throw bad('baseSha256');
  const [, a, b] = p.byteRange;
  if (a !== p.contentsOffset || b !== p.contentsOffset + 2 * p.contentsSize + 2) throw bad('byteRange and the /Contents placeholder disagree');
}

/** JSON-ready form of a pending signature: Buffers as base64. */
export type PendingSignatureJson = {
  [K in keyof PendingSignature]: PendingSignature[K] extends Buffer ? string : PendingSignature[K] extends Buffer[] ? string[] : PendingSignature[K];
};

export function pendingToJson(p: PendingSignature): PendingSignatureJson {
  const b = (x: Buffer) => x.toString('base64');
  return {
    ...p,
    appended: b(p.appended),
    signedAttributes: b(p.signedAttributes),
    digest: b(p.digest),
    digestInfo: b(p.digestInfo),
    signerCertificate: b(p.signerCertificate),
    chain: p.chain.map(b),
    byteRange: [...p.byteRange],
  };
}

export function pendingFromJson(j: PendingSignatureJson): PendingSignature {
  if (!j || typeof j !== 'object') throw badRequest('the pending signature is not valid: it is missing');
  const b = (x: unknown, what: string) => {
    if (typeof x !== 'string') throw badRequest(`the pending signature is not valid: ${what}`);
    return Buffer.from(x, 'base64');
  };
  const p: PendingSignature = {
    ...j,
    appended: b(j.appended, 'appended'),
    signedAttributes: b(j.signedAttributes, 'signedAttributes'),
    digest: b(j.digest, 'digest'),
    digestInfo: b(j.digestInfo, 'digestInfo'),
    signerCertificate: b(j.signerCertificate, 'signerCertificate'),
    chain: Array.isArray(j.chain) ? j.chain.map((c, i) => b(c, `chain[${i}]`)) : [],
    byteRange: (Array.isArray(j.byteRange) ? [...j.byteRange] : []) as PendingSignature['byteRange'],
  };
  checkPending(p);
  return p;
}
