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
