import * as asn1js from 'asn1js';
import { type Certificate, children, DerError, expectTag, readCertificate, readOid, readOne, TAG, type Tlv } from '@jitsuin/der';
import * as pkijs from 'pkijs';
import { invalidArgument } from '@jitsuin/errors';

/** A certificate as pkijs holds it, or its DER bytes. */
export type CertificateInput = pkijs.Certificate | Uint8Array | ArrayBuffer;

const NOT_DER = 'the certificate is not valid DER';
const NOT_X509 = 'the bytes are DER but not an X.509 certificate';

/** Parses DER (or passes a parsed certificate through); bad bytes are the caller's mistake. */
export function toCertificate(input: CertificateInput): pkijs.Certificate {
  if (input instanceof pkijs.Certificate) return input;
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const asn1 = asn1js.fromBER(bytes);
  if (asn1.offset === -1) throw invalidArgument(NOT_DER);
  try {
    return new pkijs.Certificate({ schema: asn1.result });
  } catch {
    throw invalidArgument(NOT_X509);
  }
}

/** The DER inside an extension's OCTET STRING, parsed; undefined when it does not parse. */
export function extensionValue(ext: pkijs.Extension): asn1js.AsnType | undefined {
  const asn1 = asn1js.fromBER(ext.extnValue.valueBlock.valueHexView);
  return asn1.offset === -1 ? undefined : asn1.result;
}

/** The certificate's DER: the bytes given, or a pkijs certificate encoded (its tbs as it was signed). */
export function certificateDer(input: CertificateInput): Buffer {
  if (input instanceof pkijs.Certificate) return Buffer.from(input.toSchema().toBER(false));
  return input instanceof Uint8Array ? Buffer.from(input.buffer, input.byteOffset, input.byteLength) : Buffer.from(input);
}

/**
 * Reads a certificate (its DER, or a pkijs certificate's encoding) with @jitsuin/der's
 * readCertificate rather than pkijs: the profile check and the basic-4 facts run on every
 * signing. Bytes that are not DER, or not a certificate, are the caller's mistake
 * (INVALID_ARGUMENT), in toCertificate's words.
 */
export function certificateOf(input: CertificateInput): Certificate {
  const der = certificateDer(input);
  let top: Tlv;
  try {
    top = readOne(der, 'the certificate');
  } catch (err) {
    if (err instanceof DerError) throw invalidArgument(NOT_DER);
    throw err;
  }
  try {
    return readCertificate(top);
  } catch (err) {
    if (err instanceof DerError) throw invalidArgument(NOT_X509);
    throw err;
  }
}

/**
 * The serial number's content octets as upper-case hex, as encoded (a leading 00 sign octet
 * kept, as pkijs' valueHex has it): identifies the certificate, not the person.
 */
export function serialHexOf(input: CertificateInput): string {
  return certificateOf(input).serial.toString('hex').toUpperCase();
}

/** The DER value of one extension of a certificate (the first, should the OID occur twice). */
export function extensionValueOf(input: CertificateInput, oid: string): Buffer | undefined {
  return certificateOf(input).extensions.get(oid)?.value;
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
  for (const rdn of children(readOne(certificateOf(input).subjectDer, what), what)) {
    for (const atv of children(expectTag(rdn, TAG.set, what), what)) {
      const [id, value] = children(expectTag(atv, TAG.sequence, what), what);
      if (readOid(expectTag(id, TAG.oid, what), what) === type && value) return directoryString(value);
    }
  }
  return undefined;
}
