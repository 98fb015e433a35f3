import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { ab } from './pem.js';

/** Certificate and CRL extensions the test PKI writes, each built with pkijs/asn1js. */

const ext = (extnID: string, critical: boolean, value: { toBER(sizeOnly?: boolean): ArrayBuffer } | pkijs.PkiObject) =>
  new pkijs.Extension({ extnID, critical, extnValue: value instanceof pkijs.PkiObject ? value.toSchema().toBER(false) : value.toBER(false) });

export const KU = { digitalSignature: 0, nonRepudiation: 1, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;

export function keyUsage(bits: (keyof typeof KU)[]): pkijs.Extension {
  let value = 0;
  for (const b of bits) value |= 0x8000 >> KU[b];
  const bytes = value & 0xff ? [value >> 8, value & 0xff] : [value >> 8];
  // DER: the trailing zero bits of the last byte are declared unused.
  const last = bytes[bytes.length - 1] ?? 0;
  const unusedBits = last === 0 ? 0 : 31 - Math.clz32(last & -last);
  return ext('2.5.29.15', true, new asn1js.BitString({ valueHex: ab(new Uint8Array(bytes)), unusedBits }));
}

export function basicConstraints(ca: boolean): pkijs.Extension {
  return ext('2.5.29.19', true, new pkijs.BasicConstraints({ cA: ca }));
}

export function subjectKeyIdentifier(keyId: Uint8Array): pkijs.Extension {
  return ext('2.5.29.14', false, new asn1js.OctetString({ valueHex: ab(keyId) }));
}

export function authorityKeyIdentifier(keyId: Uint8Array): pkijs.Extension {
  return ext('2.5.29.35', false, new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: ab(keyId) }) }));
}

/** certificatePolicies; JPKI marks it critical (which is why NSS-based tools reject the chain). */
export function certificatePolicies(oids: string[], critical: boolean): pkijs.Extension {
  return ext('2.5.29.32', critical, new pkijs.CertificatePolicies({ certificatePolicies: oids.map((policyIdentifier) => new pkijs.PolicyInformation({ policyIdentifier })) }));
}

export function subjectAltName(names: pkijs.GeneralName[]): pkijs.Extension {
  return ext('2.5.29.17', false, new pkijs.AltName({ altNames: names }));
}

export function issuerAltName(names: pkijs.GeneralName[]): pkijs.Extension {
  return ext('2.5.29.18', false, new pkijs.AltName({ altNames: names }));
}

export function crlDistributionPoint(url: string): pkijs.Extension {
  return ext(
    '2.5.29.31',
    false,
    new pkijs.CRLDistributionPoints({
      distributionPoints: [new pkijs.DistributionPoint({ distributionPoint: [new pkijs.GeneralName({ type: 6, value: url })] })],
    }),
  );
}

export function authorityInfoAccess(urls: { ocsp?: string; caIssuers?: string }): pkijs.Extension {
  const descriptions: pkijs.AccessDescription[] = [];
  if (urls.ocsp) descriptions.push(new pkijs.AccessDescription({ accessMethod: '1.3.6.1.5.5.7.48.1', accessLocation: new pkijs.GeneralName({ type: 6, value: urls.ocsp }) }));
  if (urls.caIssuers) descriptions.push(new pkijs.AccessDescription({ accessMethod: '1.3.6.1.5.5.7.48.2', accessLocation: new pkijs.GeneralName({ type: 6, value: urls.caIssuers }) }));
  return ext('1.3.6.1.5.5.7.1.1', false, new pkijs.InfoAccess({ accessDescriptions: descriptions }));
}

export const EKU = { timeStamping: '1.3.6.1.5.5.7.3.8', ocspSigning: '1.3.6.1.5.5.7.3.9' } as const;

export function extendedKeyUsage(oids: string[], critical: boolean): pkijs.Extension {
  return ext('2.5.29.37', critical, new pkijs.ExtKeyUsage({ keyPurposes: oids }));
}

/** id-pkix-ocsp-nocheck: a delegated responder's own status is not checked (RFC 6960 4.2.2.2.1). */
export function ocspNoCheck(): pkijs.Extension {
  return ext('1.3.6.1.5.5.7.48.1.5', false, new asn1js.Null());
}

export function crlNumber(n: number): pkijs.Extension {
  return ext('2.5.29.20', false, new asn1js.Integer({ value: n }));
}

/** CRL entry reasonCode (omitted for unspecified, as RFC 5280 asks). */
export function reasonCode(code: number): pkijs.Extension {
  return ext('2.5.29.21', false, new asn1js.Enumerated({ value: code }));
}
