import * as asn1js from 'asn1js';
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

/**
 * The value of one extension of a certificate, found by walking its DER (tbsCertificate, then
 * its [3] extensions) without building a pkijs Certificate: reading the basic-4 facts happens on
 * every signing, and pkijs' schema check costs several milliseconds per certificate.
 */
export function extensionValueOf(input: CertificateInput, oid: string): asn1js.AsnType | undefined {
  if (input instanceof pkijs.Certificate) {
    const ext = findExtension(input, oid);
    if (!ext) return undefined;
    const value = extensionValue(ext);
    if (!value) throw invalidArgument('a certificate extension is not valid DER');
    return value;
  }
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const asn1 = asn1js.fromBER(bytes);
  if (asn1.offset === -1) throw invalidArgument('the certificate is not valid DER');
  const notCertificate = () => invalidArgument('the bytes are DER but not an X.509 certificate');
  const tbs = asn1.result instanceof asn1js.Sequence ? asn1.result.valueBlock.value[0] : undefined;
  if (!(tbs instanceof asn1js.Sequence)) throw notCertificate();
  const tagged = tbs.valueBlock.value.find((e) => e.idBlock.tagClass === 3 && e.idBlock.tagNumber === 3);
  if (!tagged) return undefined;
  const extensions = tagged instanceof asn1js.Constructed ? tagged.valueBlock.value[0] : undefined;
  if (!(extensions instanceof asn1js.Sequence)) throw notCertificate();
  for (const ext of extensions.valueBlock.value) {
    const parts = ext instanceof asn1js.Sequence ? ext.valueBlock.value : [];
    const id = parts[0];
    const value = parts[parts.length - 1];
    if (!(id instanceof asn1js.ObjectIdentifier) || !(value instanceof asn1js.OctetString)) throw notCertificate();
    if (id.valueBlock.toString() !== oid) continue;
    const inner = asn1js.fromBER(value.valueBlock.valueHexView);
    if (inner.offset === -1) throw invalidArgument('a certificate extension is not valid DER');
    return inner.result;
  }
  return undefined;
}
