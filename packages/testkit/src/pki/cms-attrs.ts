import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

/** CMS signed attributes the TSA needs, and DER ordering for their SET. */

export const ATTR = {
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
} as const;

export function contentTypeAttr(oid: string): pkijs.Attribute {
  return new pkijs.Attribute({ type: ATTR.contentType, values: [new asn1js.ObjectIdentifier({ value: oid })] });
}

export function messageDigestAttr(digest: Uint8Array): pkijs.Attribute {
  return new pkijs.Attribute({ type: ATTR.messageDigest, values: [new asn1js.OctetString({ valueHex: new Uint8Array(digest).buffer })] });
}

/**
 * ESS signing-certificate-v2 (RFC 5035) with the default SHA-256 hash and the issuer/serial:
 * binds the signature to the certificate; `openssl ts -verify` insists on it.
 */
export function signingCertificateV2Attr(cert: pkijs.Certificate): pkijs.Attribute {
  const certHash = createHash('sha256').update(new Uint8Array(cert.toSchema().toBER(false))).digest();
  const issuerSerial = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({ value: [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [cert.issuer.toSchema()] })] }),
      new asn1js.Integer({ valueHex: new Uint8Array(cert.serialNumber.valueBlock.valueHexView).buffer }),
    ],
  });
  const essCertIdV2 = new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: new Uint8Array(certHash).buffer }), issuerSerial] });
  return new pkijs.Attribute({ type: ATTR.signingCertificateV2, values: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] })] });
}

/** DER orders a SET OF by the encodings of its elements (verifiers re-encode before checking). */
export function derSorted(attributes: pkijs.Attribute[]): pkijs.Attribute[] {
  const enc = (a: pkijs.Attribute) => Buffer.from(a.toSchema().toBER(false));
  return [...attributes].sort((a, b) => Buffer.compare(enc(a), enc(b)));
}
