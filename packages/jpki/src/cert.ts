import * as asn1js from 'asn1js';
import { children, expectTag, isContext, readOid, readOne, TAG, type Tlv } from '@jitsuin/der';
import * as pkijs from 'pkijs';
import { invalidArgument } from '@jitsuin/errors';

/** A certificate as pkijs holds it, or its DER bytes. */
export type CertificateInput = pkijs.Certificate | Uint8Array | ArrayBuffer;

/** Parses DER (or passes a parsed certificate through); bad bytes are the caller's mistake. */
export function toCertificate(input: CertificateInput): pkijs.Certificate {
  if (input instanceof pkijs.Certificate) return input;
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const asn1 = asn1js.fromBER(bytes);
  if (asn1.offset === -1) throw invalidArgument('the certificate is not valid DER');
  try {
    return new pkijs.Certificate({ schema: asn1.result });
  } catch {
    throw invalidArgument('the bytes are DER but not an X.509 certificate');
  }
}

export function findExtension(cert: pkijs.Certificate, oid: string): pkijs.Extension | undefined {
  return cert.extensions?.find((e) => e.extnID === oid);
}

/** The DER inside an extension's OCTET STRING, parsed; undefined when it does not parse. */
export function extensionValue(ext: pkijs.Extension): asn1js.AsnType | undefined {
  const asn1 = asn1js.fromBER(ext.extnValue.valueBlock.valueHexView);
  return asn1.offset === -1 ? undefined : asn1.result;
}

/** The tbsCertificate's elements, read from the DER without building a pkijs Certificate. */
function tbsElements(input: Uint8Array | ArrayBuffer): Tlv[] {
  const bytes = input instanceof Uint8Array ? Buffer.from(input.buffer, input.byteOffset, input.byteLength) : Buffer.from(input);
  const what = 'the certificate';
  const top = readOne(bytes, what);
  const tbs = top.tag === TAG.sequence ? children(top, what)[0] : undefined;
  if (tbs?.tag !== TAG.sequence) throw invalidArgument('the bytes are DER but not an X.509 certificate');
  return children(tbs, what);
}

/**
 * The DER value of one extension of a certificate, found by walking its DER (tbsCertificate,
 * then its [3] extensions) with our small DER reader rather than pkijs or asn1js: reading the
 * basic-4 facts happens on every signing, and in a fresh process asn1js takes about 5 ms for
 * its first certificate (1.4 ms after), the DER walk well under one.
 */
export function extensionValueOf(input: CertificateInput, oid: string): Buffer | undefined {
  if (input instanceof pkijs.Certificate) {
    const ext = findExtension(input, oid);
    return ext && Buffer.from(ext.extnValue.valueBlock.valueHexView);
  }
  const what = "the certificate's extensions";
  const tagged = tbsElements(input).find((e) => isContext(e, 3));
  if (!tagged) return undefined;
  for (const ext of children(expectTag(children(tagged, what)[0], TAG.sequence, what), what)) {
    const parts = children(expectTag(ext, TAG.sequence, what), what);
    if (readOid(expectTag(parts[0], TAG.oid, what), what) !== oid) continue;
    return Buffer.from(expectTag(parts.at(-1), TAG.octetString, what).content);
  }
  return undefined;
}

const STRING_DECODERS: Record<number, (content: Buffer) => string> = {
  0x0c: (c) => c.toString('utf8'), // UTF8String
  0x13: (c) => c.toString('latin1'), // PrintableString
  0x16: (c) => c.toString('latin1'), // IA5String
  0x1e: (c) => Buffer.from(c).swap16().toString('utf16le'), // BMPString (UTF-16BE)
};

/** The text of a directory string element (UTF8String, PrintableString, IA5String, BMPString). */
export function directoryString(element: Tlv): string | undefined {
  const decode = STRING_DECODERS[element.tag];
  return decode && !(element.tag === 0x1e && element.content.length % 2 !== 0) ? decode(element.content) : undefined;
}

/** The first value of one attribute type (e.g. CN 2.5.4.3) of the certificate's subject, as text. */
export function subjectAttributeOf(input: Uint8Array | ArrayBuffer, type: string): string | undefined {
  const what = "the certificate's subject";
  const elements = tbsElements(input);
  // tbsCertificate: [0] version (optional), serialNumber, signature, issuer, validity, subject.
  const subject = elements[isContext(elements[0], 0) ? 5 : 4];
  for (const rdn of children(expectTag(subject, TAG.sequence, what), what)) {
    for (const atv of children(expectTag(rdn, TAG.set, what), what)) {
      const [id, value] = children(expectTag(atv, TAG.sequence, what), what);
      if (readOid(expectTag(id, TAG.oid, what), what) === type && value) return directoryString(value);
    }
  }
  return undefined;
}
