import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { children, expectTag, isContext, readOid, readOne, TAG } from '@jitsuin/der';
import { invalidArgument } from '@jitsuin/errors';
import { factCodec, factCodecs } from './basic4-codecs.js';
import { type CertificateInput, directoryString, extensionValueOf } from './cert.js';
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
function otherNames(san: Buffer): [string, string][] {
  const what = "the certificate's subjectAltName";
  const out: [string, string][] = [];
  for (const gn of children(expectTag(readOne(san, what), TAG.sequence, what), what)) {
    if (!isContext(gn, 0)) continue;
    const [id, wrapped] = gn.constructed ? children(gn, what) : [];
    const inner = isContext(wrapped, 0) && wrapped.constructed ? children(wrapped, what)[0] : undefined;
    if (id?.tag !== TAG.oid || !inner) throw invalidArgument('the certificate has a malformed otherName in its subjectAltName');
    const oid = readOid(id, what);
    // J-LIS writes UTF8String; other string types are read so a variant still gets a clear answer.
    const value = directoryString(inner);
    if (value === undefined) throw invalidArgument(`the otherName ${oid} in the certificate is not a string`);
    out.push([oid, value]);
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
