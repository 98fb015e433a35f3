import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

const ATTRIBUTE_TYPES = { C: '2.5.4.6', ST: '2.5.4.8', L: '2.5.4.7', O: '2.5.4.10', OU: '2.5.4.11', CN: '2.5.4.3' } as const;
export type DnPart = [keyof typeof ATTRIBUTE_TYPES, string];

/**
 * A distinguished name with one attribute per RDN (pkijs would put them all in one multi-valued
 * RDN); C is a PrintableString and the rest UTF8String, as in J-LIS' roots (so the DN is
 * byte-identical to theirs). Built as DER and parsed back, so pkijs re-emits exactly these bytes.
 */
export function dn(parts: DnPart[]): pkijs.RelativeDistinguishedNames {
  const name = new asn1js.Sequence({
    value: parts.map(
      ([type, value]) =>
        new asn1js.Set({
          value: [
            new pkijs.AttributeTypeAndValue({
              type: ATTRIBUTE_TYPES[type],
              value: type === 'C' ? new asn1js.PrintableString({ value }) : new asn1js.Utf8String({ value }),
            }).toSchema(),
          ],
        }),
    ),
  });
  return new pkijs.RelativeDistinguishedNames({ schema: asn1js.fromBER(name.toBER(false)).result });
}

const JLIS = 'Japan Agency for Local Authority Information Systems';

/** The JPKI roots' DNs, exactly as J-LIS writes them; every generation shares its DN. */
export const JPKI_SIGNING_ROOT_DN: DnPart[] = [['C', 'JP'], ['O', 'JPKI'], ['OU', 'JPKI for digital signature'], ['OU', JLIS]];
export const JPKI_AUTH_ROOT_DN: DnPart[] = [['C', 'JP'], ['O', 'JPKI'], ['OU', 'JPKI for user authentication'], ['OU', JLIS]];

/** The name J-LIS puts in the roots' subjectAltName and the leaves' issuerAltName. */
export const JPKI_SERVICE_NAME: DnPart[] = [['C', 'JP'], ['O', '公的個人認証サービス']];

export const ORG_CA_DN: DnPart[] = [['C', 'JP'], ['O', 'Jitsuin Test PKI'], ['CN', 'Jitsuin Test Organisation CA']];
export const TSA_DN: DnPart[] = [['C', 'JP'], ['O', 'Jitsuin Test PKI'], ['CN', 'Jitsuin Test Time-Stamping Authority']];

export function responderDn(caLabel: string): DnPart[] {
  return [['C', 'JP'], ['O', 'Jitsuin Test PKI'], ['CN', `OCSP responder for ${caLabel}`]];
}

/** Subject of a JPKI person certificate: prefecture and city as two L attributes, an opaque CN. */
export function personDn(prefecture: string, city: string, opaqueId: string): DnPart[] {
  return [['C', 'JP'], ['L', prefecture], ['L', city], ['CN', opaqueId]];
}
