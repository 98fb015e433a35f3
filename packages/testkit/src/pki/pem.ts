/** PEM armour for DER: what openssl and people read. */
export function toPem(der: ArrayBuffer | Uint8Array, label: string): string {
  const b64 = Buffer.from(der instanceof Uint8Array ? der : new Uint8Array(der)).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** The DER of the first PEM block with `label`. */
export function fromPem(pem: string, label: string): Buffer {
  const m = new RegExp(`-----BEGIN ${label}-----([^-]+)-----END ${label}-----`).exec(pem);
  if (!m?.[1]) throw new Error(`no ${label} PEM block found`);
  return Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
}

/** An ArrayBuffer holding exactly these bytes (pkijs and WebCrypto want ArrayBuffers). */
export function ab(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
