import { type Cert, type CertificateBytes, issuedBy, parseCert, pemCertificates } from '@jitsuin/pades';
import { VerifyInputError } from './errors.js';

/**
 * Certificate path building to configured trust anchors. An issuer is taken only when the names
 * match, its subject key identifier matches the certificate's authority key identifier (node's
 * checkIssued, OpenSSL's X509_check_issued) AND its key verifies the certificate's signature:
 * the JPKI generations share one DN, so a name alone picks the wrong root.
 */

/** Longest path tried (JPKI has none; an ordinary CA hierarchy a few levels). */
const MAX_DEPTH = 8;

const hex = (b: Buffer) => b.toString('hex');

/** Certificates as options give them: DER, or PEM text (one or more CERTIFICATE blocks), as a string or bytes. */
export function readCertificates(inputs: readonly CertificateBytes[], what: string): Cert[] {
  const out: Cert[] = [];
  inputs.forEach((input, i) => {
    const text = typeof input === 'string' ? input : input[0] === 0x2d ? Buffer.from(input).toString('latin1') : undefined;
    const ders = text !== undefined ? pemCertificates(text) : [Buffer.from(input as Uint8Array)];
    if (ders.length === 0) throw new VerifyInputError(`${what} ${i + 1} is text but holds no PEM CERTIFICATE block`);
    for (const der of ders) {
      try {
        out.push(parseCert(der, `${what} ${i + 1}`));
      } catch (err) {
        throw new VerifyInputError(`${what} ${i + 1} is not an X.509 certificate (${err instanceof Error ? err.message : String(err)})`, { cause: err });
      }
    }
  });
  return out;
}

/** Certificates indexed by subject, without repeats. */
export class CertificateStore {
  private readonly bySubject = new Map<string, Cert[]>();
  private readonly seen = new Set<string>();

  constructor(certs: Iterable<Cert> = []) {
    for (const c of certs) this.add(c);
  }

  add(cert: Cert): void {
    const key = hex(cert.sha256);
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const subject = hex(cert.subjectDer);
    const list = this.bySubject.get(subject);
    if (list) list.push(cert);
    else this.bySubject.set(subject, [cert]);
  }

  /** Adds DER certificates found in the document; ones that do not parse are skipped (they cannot be an issuer anyway). */
  addDer(ders: Iterable<Buffer>): void {
    for (const der of ders) {
      try {
        this.add(parseCert(der));
      } catch {
        // A broken certificate in a DSS or CMS is not this signature's problem unless it is needed.
      }
    }
  }

  /** Certificates whose subject is `cert`'s issuer name (candidates only: issuedBy decides). */
  named(issuerDer: Buffer): Cert[] {
    return this.bySubject.get(hex(issuerDer)) ?? [];
  }

  /** Whether `cert` is one of these (same bytes, or the same subject and key: a re-encoded anchor). */
  holds(cert: Cert): boolean {
    return this.seen.has(hex(cert.sha256)) || this.named(cert.subjectDer).some((c) => c.spkiDer.equals(cert.spkiDer));
  }

  get size(): number {
    return this.seen.size;
  }
}

export interface Chain {
  /** Leaf first, trust anchor last (a leaf that is itself an anchor: just it). */
  certs: Cert[];
  anchor: Cert;
}

/**
 * A path from `leaf` to one of `anchors` through certificates of `pool` (depth first, anchors
 * tried first at every step). Undefined when there is none.
 */
export function buildChain(leaf: Cert, anchors: CertificateStore, pool: CertificateStore): Chain | undefined {
  const walk = (cert: Cert, path: Cert[]): Cert[] | undefined => {
    if (anchors.holds(cert)) return path;
    if (path.length > MAX_DEPTH) return undefined;
    const candidates = [...anchors.named(cert.issuerDer), ...pool.named(cert.issuerDer)];
    for (const candidate of candidates) {
      if (path.some((p) => p.sha256.equals(candidate.sha256))) continue;
      if (!issuedBy(cert, candidate)) continue;
      const found = walk(candidate, [...path, candidate]);
      if (found) return found;
    }
    return undefined;
  };
  const certs = walk(leaf, [leaf]);
  return certs ? { certs, anchor: certs[certs.length - 1]! } : undefined;
}

/** One line for messages: the subject as node prints it, comma-separated. */
export const subjectOf = (cert: Cert) => cert.x509.subject.split('\n').join(', ');

const KEY_USAGE = '2.5.29.15';

/** The keyUsage bits (digitalSignature = 0, nonRepudiation = 1, ...), or undefined without the extension. */
export function keyUsageBits(cert: Cert): Set<number> | undefined {
  const ext = cert.extensions.get(KEY_USAGE);
  if (!ext) return undefined;
  const v = ext.value;
  // BIT STRING: tag, short length, unused-bits octet, then the bits (first octet's top bit is bit 0).
  if (v[0] !== 0x03 || v.length < 3) return new Set();
  const bits = new Set<number>();
  for (let i = 3; i < Math.min(v.length, 5); i++) for (let b = 0; b < 8; b++) if (v[i]! & (0x80 >> b)) bits.add((i - 3) * 8 + b);
  return bits;
}
