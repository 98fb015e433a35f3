import { invalidArgument } from '@jitsuin/errors';
import { decodeJpkiBirthDate, encodeJpkiBirthDate } from './birthdate.js';
import type { Basic4Facts, Gender } from './facts.js';
import { BASIC4_OID } from './oids.js';

/**
 * How one basic-4 otherName turns into facts and back. Codecs are registered by OID (the
 * @peculiar/x509 ExtensionFactory idea) so that reading a certificate is a lookup, and a new or
 * corrected field is one registration, not another branch.
 */
export interface FactCodec {
  /** Name of the fact, for messages (never the value). */
  readonly label: string;
  /** Required for a certificate to count as carrying the basic-4 facts. */
  readonly required: boolean;
  decode(text: string, into: Partial<Basic4Facts>): void;
  /** The text to put in a certificate, or undefined to leave the otherName out. */
  encode(facts: Basic4Facts): string | undefined;
}

const registry = new Map<string, FactCodec>();

export function registerFactCodec(oid: string, codec: FactCodec): void {
  registry.set(oid, codec);
}

export function factCodec(oid: string): FactCodec | undefined {
  return registry.get(oid);
}

/** Registered OIDs in the order a real card writes them (1, 4, 3, 5, 2, 6). */
export function factCodecs(): [string, FactCodec][] {
  return [...registry.entries()];
}

const text = (key: 'name' | 'address', label: string): FactCodec => ({
  label,
  required: true,
  decode(value, into) {
    if (value.trim() === '') throw invalidArgument(`the ${label} in the certificate is empty`);
    into[key] = value;
  },
  encode: (facts) => facts[key],
});

/** Substitute-character flags: one 0/1 per character; all zeros when the issuer gave none. */
const flags = (key: 'nameFlags' | 'addressFlags', of: 'name' | 'address', label: string): FactCodec => ({
  label,
  required: false,
  decode(value, into) {
    if (!/^[01]+$/.test(value)) throw invalidArgument(`the ${label} in the certificate are not a string of 0 and 1`);
    into[key] = value;
  },
  encode: (facts) => facts[key] ?? '0'.repeat([...facts[of]].length),
});

// J-LIS writes 1 male, 2 female, 3 unknown. One reader of a test card describes the field as
// JIS X 0303 (0 not known, 9 not applicable): both are read as UNKNOWN, 3 is written.
const GENDER_CODES: Record<string, Gender> = { '1': 'MALE', '2': 'FEMALE', '3': 'UNKNOWN', '0': 'UNKNOWN', '9': 'UNKNOWN' };
const GENDER_WRITE: Record<Gender, string> = { MALE: '1', FEMALE: '2', UNKNOWN: '3' };

const gender: FactCodec = {
  label: 'gender',
  required: true,
  decode(value, into) {
    const g = GENDER_CODES[value];
    if (!g) throw invalidArgument('the gender in the certificate is not one of the JPKI codes 1, 2 or 3');
    into.gender = g;
  },
  encode: (facts) => GENDER_WRITE[facts.gender],
};

const dateOfBirth: FactCodec = {
  label: 'date of birth',
  required: true,
  decode(value, into) {
    const { date, era } = decodeJpkiBirthDate(value);
    into.dateOfBirth = date;
    into.dateOfBirthEra = era;
  },
  encode: (facts) => encodeJpkiBirthDate(facts.dateOfBirth),
};

registerFactCodec(BASIC4_OID.name, text('name', 'name'));
registerFactCodec(BASIC4_OID.dateOfBirth, dateOfBirth);
registerFactCodec(BASIC4_OID.gender, gender);
registerFactCodec(BASIC4_OID.address, text('address', 'address'));
registerFactCodec(BASIC4_OID.nameFlags, flags('nameFlags', 'name', 'name substitute-character flags'));
registerFactCodec(BASIC4_OID.addressFlags, flags('addressFlags', 'address', 'address substitute-character flags'));
