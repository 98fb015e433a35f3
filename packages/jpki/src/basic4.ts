import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { invalidArgument } from '@jitsuin/errors';
import { factCodec, factCodecs } from './basic4-codecs.js';
import { type CertificateInput, extensionValueOf } from './cert.js';
import type { Basic4Facts } from './facts.js';
import { OID } from './oids.js';

/**
 * An otherName GeneralName with a `[0] EXPLICIT UTF8String` value. pkijs' GeneralName wraps an
 * otherName value in one more [0] when it encodes, so this one writes its own encoding.
 */
export class Utf8OtherName extends pkijs.GeneralName {
  constructor(
    readonly typeId: string,
    readonly text: string,
  ) {
    super({ type: 0, value: {} });
  }

  override toSchema(): asn1js.Constructed {
    return new asn1js.Constructed({
      idBlock: { tagClass: 3, tagNumber: 0 },
      value: [
        new asn1js.ObjectIdentifier({ value: this.typeId }),
        new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [new asn1js.Utf8String({ value: this.text })] }),
      ],
    });
  }
}

/** The subjectAltName otherNames that carry `facts`, in the order a real card has them. */
export function basic4OtherNames(facts: Basic4Facts): Utf8OtherName[] {
  const names: Utf8OtherName[] = [];
  for (const [oid, codec] of factCodecs()) {
    const value = codec.encode(facts);
    if (value !== undefined) names.push(new Utf8OtherName(oid, value));
  }
  return names;
}

/** Each otherName of a DER subjectAltName as (type-id, string value); other name forms skipped. */
function otherNames(san: asn1js.AsnType): [string, string][] {
  if (!(san instanceof asn1js.Sequence)) throw invalidArgument('the certificate\'s subjectAltName is not a SEQUENCE');
  const out: [string, string][] = [];
  for (const gn of san.valueBlock.value) {
    if (gn.idBlock.tagClass !== 3 || gn.idBlock.tagNumber !== 0) continue;
    const parts = gn instanceof asn1js.Constructed ? gn.valueBlock.value : [];
    const [oid, wrapped] = parts;
    const inner = wrapped instanceof asn1js.Constructed ? wrapped.valueBlock.value[0] : undefined;
    if (!(oid instanceof asn1js.ObjectIdentifier) || !inner) {
      throw invalidArgument('the certificate has a malformed otherName in its subjectAltName');
    }
    // J-LIS writes UTF8String; other string types are read so a variant still gets a clear answer.
    if (!(inner instanceof asn1js.Utf8String || inner instanceof asn1js.PrintableString || inner instanceof asn1js.IA5String || inner instanceof asn1js.BmpString)) {
      throw invalidArgument(`the otherName ${oid.valueBlock.toString()} in the certificate is not a string`);
    }
    out.push([oid.valueBlock.toString(), inner.valueBlock.value]);
  }
  return out;
}

/**
 * The basic-4 facts of a JPKI signing certificate, or undefined for a certificate without them
 * (an authentication certificate, an organisation's seal). Incomplete or malformed facts are an
 * INVALID_ARGUMENT error that names the field, never its value.
 */
export function readBasic4Facts(input: CertificateInput): Basic4Facts | undefined {
  const san = extensionValueOf(input, OID.subjectAltName);
  if (!san) return undefined;

  const facts: Partial<Basic4Facts> = {};
  const seen = new Set<string>();
  for (const [oid, value] of otherNames(san)) {
    const codec = factCodec(oid);
    if (!codec) continue;
    if (seen.has(oid)) throw invalidArgument(`the certificate carries the ${codec.label} twice`);
    seen.add(oid);
    codec.decode(value, facts);
  }
  if (seen.size === 0) return undefined;

  const missing = factCodecs().filter(([oid, c]) => c.required && !seen.has(oid)).map(([, c]) => c.label);
  if (missing.length > 0) throw invalidArgument(`the certificate carries incomplete basic-4 facts: no ${missing.join(', ')}`);
  return facts as Basic4Facts;
}
