import { readFile } from 'node:fs/promises';
import { failedPrecondition } from '@jitsuin/errors';
import { pemCertificates, Pkcs12Signer, type Signer } from '@jitsuin/pades';
import type { SealConfig } from '../config.js';

/**
 * The seal keys the service holds, opened once at start (a missing file or a wrong password
 * stops the start with a clear message, not the first Seal call). PKCS#12 files today; a
 * PKCS#11 token would give the same Signer.
 */
export class SealKeys {
  private constructor(private readonly signers: Map<string, Signer>) {}

  static async open(seals: Iterable<SealConfig>): Promise<SealKeys> {
    const signers = new Map<string, Signer>();
    for (const seal of seals) {
      let p12: Buffer;
      try {
        p12 = await readFile(seal.p12Path);
      } catch (err) {
        throw new Error(`seal ${seal.id}: cannot read its PKCS#12 file ${seal.p12Path} (${(err as Error).message})`);
      }
      try {
        signers.set(seal.id, await Pkcs12Signer.open(p12, seal.password));
      } catch (err) {
        // The library's words name the problem (wrong password, not a PKCS#12); never the password.
        throw new Error(`seal ${seal.id}: ${seal.p12Path}: ${(err as Error).message}`);
      }
    }
    return new SealKeys(signers);
  }

  get ids(): string[] {
    return [...this.signers.keys()];
  }

  get(id: string): Signer {
    const signer = this.signers.get(id);
    if (!signer) {
      throw failedPrecondition(
        `no seal ${id} is configured` + (this.signers.size > 0 ? ` (configured: ${this.ids.join(', ')})` : ''),
      );
    }
    return signer;
  }
}

/** The CA certificates in PEM files (see SigningConfig.signingCaFiles); read once at start. */
export async function readCaCertificates(files: readonly string[]): Promise<Buffer[]> {
  const certificates: Buffer[] = [];
  for (const file of files) {
    let pem: string;
    try {
      pem = await readFile(file, 'utf8');
    } catch (err) {
      throw new Error(`SIGNING_CA_CERTS: cannot read ${file} (${(err as Error).message})`);
    }
    const found = pemCertificates(pem);
    if (found.length === 0) throw new Error(`SIGNING_CA_CERTS: ${file} holds no PEM CERTIFICATE block`);
    certificates.push(...found);
  }
  return certificates;
}
