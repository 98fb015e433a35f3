import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pkcs12Signer, parseSignedData, type Signer } from '@jitsuin/pades';
import { PdfDocument, writeIncrementalUpdate } from '@jitsuin/pdf';
import { CARD_FILES, CardSimulator, createTestPki, freePort, type PkiManifest, type PkiServers, startPkiServers } from '@jitsuin/testkit/pki';

export interface Pki {
  manifest: PkiManifest;
  servers: PkiServers;
  tsaUrl: string;
  card(id: string): Promise<Signer & { card: CardSimulator; password: string }>;
  seal(id?: string): Promise<Signer>;
  close(): Promise<void>;
}

/** A fresh test PKI in a temp directory, served on a free loopback port (as packages/signer/test does). */
export async function setupPki(): Promise<Pki> {
  const root = await mkdtemp(join(tmpdir(), 'jitsuin-verify-'));
  const port = await freePort();
  const pki = await createTestPki(join(root, 'pki'), { baseUrl: `http://127.0.0.1:${port}` });
  const servers = await startPkiServers(pki.dir, { port });
  return {
    manifest: pki.manifest,
    servers,
    tsaUrl: servers.urls.tsa,
    async card(id) {
      const dir = join(pki.dir, 'people', id);
      const card = CardSimulator.open(dir);
      const password = (await readFile(join(dir, CARD_FILES.password), 'utf8')).trim();
      return { card, password, certificate: card.signingCertificate(), chain: [card.issuerCertificate()], sign: (digestInfo: Buffer) => card.sign(digestInfo, password) };
    },
    async seal(id = 'lender') {
      const s = pki.manifest.seals[id]!;
      return Pkcs12Signer.open(await readFile(join(pki.dir, s.p12)), s.password);
    },
    async close() {
      await servers.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Attack generators: each takes a signed PDF and returns a tampered copy.

/** The ByteRange, gap and CMS of signature field `name`. */
export function signatureOf(pdf: Buffer, name: string) {
  const field = PdfDocument.open(pdf).signatureFields().find((f) => f.name === name);
  const br = field?.signature?.byteRange;
  if (!br) throw new Error(`no signature ${name}`);
  const [, a, b, c] = br as [number, number, number, number];
  const der = Buffer.from(pdf.toString('latin1', a + 1, b - 1), 'hex');
  return { a, b, c, byteRange: br, der, cms: parseSignedData(der) };
}

/** Flips one byte inside the first signed range (in the page content, well away from the header). */
export function flipSignedByte(pdf: Buffer, name: string): Buffer {
  const { a } = signatureOf(pdf, name);
  const out = Buffer.from(pdf);
  const at = out.indexOf('Jitsuin');
  const i = at > 0 && at < a ? at : Math.floor(a / 2);
  out[i] = out[i]! ^ 0x01;
  return out;
}

/** Rewrites the ByteRange text of `name` in place (same length, space-padded). */
export function rewriteByteRange(pdf: Buffer, name: string, next: (br: number[]) => number[]): Buffer {
  const { byteRange } = signatureOf(pdf, name);
  const out = Buffer.from(pdf);
  const re = new RegExp(`/ByteRange\\s*\\[\\s*${byteRange.join('\\s+')}\\s*\\]`, 'g');
  const text = out.toString('latin1');
  const m = re.exec(text);
  if (!m) throw new Error('ByteRange text not found');
  const replacement = `/ByteRange [${next(byteRange).join(' ')}]`;
  if (replacement.length > m[0].length) throw new Error('new ByteRange does not fit');
  out.write(replacement.padEnd(m[0].length, ' '), m.index, 'latin1');
  return out;
}

/** Writes `der` into the /Contents gap of `name`, zero-padded (the signed ranges are unchanged). */
export function replaceContents(pdf: Buffer, name: string, der: Buffer, pad = '0'): Buffer {
  const { a, b } = signatureOf(pdf, name);
  const room = b - a - 2;
  const hex = der.toString('hex').toUpperCase();
  if (hex.length > room) throw new Error(`CMS of ${der.length} bytes does not fit in ${room / 2}`);
  const out = Buffer.from(pdf);
  out.write(hex + pad.repeat(room - hex.length), a + 1, 'latin1');
  return out;
}

/** Flips a byte of `part` (found inside the CMS) and re-embeds the CMS. */
export function alterCmsPart(pdf: Buffer, name: string, part: (cms: ReturnType<typeof parseSignedData>) => Buffer): Buffer {
  const { der, cms } = signatureOf(pdf, name);
  const bytes = part(cms);
  const at = der.indexOf(bytes);
  if (at < 0) throw new Error('part not found in the CMS');
  const out = Buffer.from(der);
  out[at + bytes.length - 1] = out[at + bytes.length - 1]! ^ 0xff;
  return replaceContents(pdf, name, out);
}

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : n < 0x10000 ? Buffer.from([0x82, n >> 8, n & 0xff]) : Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, content]);
}

const SIGNED_DATA_OID = Buffer.from('06092a864886f70d010702', 'hex');

function signedData(cms: ReturnType<typeof parseSignedData>, signerInfos: Buffer[]): Buffer {
  // Only the signer's certificate is kept (first, as @jitsuin/pades writes it), so that the result fits the placeholder.
  const sd = tlv(0x30, Buffer.concat([cms.raw.version, cms.raw.digestAlgorithms, cms.raw.encapContentInfo, tlv(0xa0, cms.certificates[0]!), tlv(0x31, Buffer.concat(signerInfos))]));
  return tlv(0x30, Buffer.concat([SIGNED_DATA_OID, tlv(0xa0, sd)]));
}

/** The same SignedData with its SignerInfo repeated: two SignerInfos. */
export function secondSignerInfo(pdf: Buffer, name: string): Buffer {
  const { cms } = signatureOf(pdf, name);
  return replaceContents(pdf, name, signedData(cms, [cms.signerInfo.der, cms.signerInfo.der]));
}

/**
 * The CMS re-encoded without the issuer certificate (to make room), then padded with `pad`:
 * '1' makes non-zero padding after the DER, '0' is the control that stays valid.
 */
export function paddedCms(pdf: Buffer, name: string, pad: '0' | '1'): Buffer {
  const { cms } = signatureOf(pdf, name);
  return replaceContents(pdf, name, signedData(cms, [cms.signerInfo.der]), pad);
}

/**
 * An incremental update that writes the signature dictionary of `name` again (an identical copy):
 * the field's /V now resolves to a dictionary outside the signed bytes.
 */
export function replaceSignatureDictionary(pdf: Buffer, name: string): Buffer {
  const doc = PdfDocument.open(pdf);
  const ref = doc.signatureFields().find((f) => f.name === name)?.signature?.ref;
  if (!ref) throw new Error(`no signature dictionary reference for ${name}`);
  return Buffer.concat(writeIncrementalUpdate(doc, [{ ref, value: doc.getObject(ref) }]).parts);
}
