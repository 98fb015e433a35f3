import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pemCertificates } from '@jitsuin/pades';

const CERT_FILE = /\.(pem|crt|cer)$/i;

/**
 * The PEM text of every certificate in `paths`: each a PEM file, or a directory whose *.pem,
 * *.crt and *.cer files are read (not recursively). A path that does not exist, or a file with
 * no CERTIFICATE block, stops the start with the reason: a trust anchor silently missing would
 * turn every signature INDETERMINATE.
 */
export async function readTrustAnchors(paths: readonly string[], what = 'TRUST_ANCHORS'): Promise<{ pem: string[]; files: string[] }> {
  const pem: string[] = [];
  const files: string[] = [];
  const readOne = async (file: string) => {
    const text = await readFile(file, 'utf8');
    if (pemCertificates(text).length === 0) throw new Error(`${what}: ${file} holds no PEM CERTIFICATE block`);
    pem.push(text);
    files.push(file);
  };
  for (const path of paths) {
    let st;
    try {
      st = await stat(path);
    } catch {
      throw new Error(`${what}: ${path} does not exist`);
    }
    if (st.isDirectory()) {
      const names = (await readdir(path)).filter((n) => CERT_FILE.test(n)).sort();
      if (names.length === 0) throw new Error(`${what}: the directory ${path} holds no *.pem, *.crt or *.cer file`);
      for (const name of names) await readOne(join(path, name));
    } else {
      await readOne(path);
    }
  }
  return { pem, files };
}
