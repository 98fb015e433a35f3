import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RangeDigester } from '../src/integrity.js';

// The one-pass digester gives what hashing each ByteRange on its own gives, in any order.
describe('RangeDigester', () => {
  const bytes = randomBytes(200_000);
  const direct = (r: { a: number; b: number; end: number }, alg: string) => createHash(alg).update(bytes.subarray(0, r.a)).update(bytes.subarray(r.b, r.end)).digest();
  // Nested signatures: each later one covers the earlier ones and their gaps.
  const ranges = [
    { a: 10_000, b: 14_000, end: 20_000 },
    { a: 50_000, b: 58_000, end: 60_000 },
    { a: 120_000, b: 124_000, end: 150_000 },
    { a: 190_000, b: 195_000, end: 200_000 },
  ];

  it('in file order, one algorithm and two mixed', () => {
    const d = new RangeDigester(bytes);
    ranges.forEach((r, i) => {
      const alg = i % 2 ? 'sha512' : 'sha256';
      expect(d.digest(r, alg).equals(direct(r, alg))).toBe(true);
    });
  });

  it('out of order and repeated', () => {
    const d = new RangeDigester(bytes);
    for (const i of [2, 0, 3, 3, 1, 0]) expect(d.digest(ranges[i]!, 'sha256').equals(direct(ranges[i]!, 'sha256'))).toBe(true);
  });

  it('an empty first range and an odd second range', () => {
    const d = new RangeDigester(bytes);
    for (const r of [{ a: 0, b: 2, end: 10 }, { a: 5, b: 150_000, end: 150_001 }]) expect(d.digest(r, 'sha384').equals(direct(r, 'sha384'))).toBe(true);
  });
});
