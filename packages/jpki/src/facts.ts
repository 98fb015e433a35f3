import type { BirthEra } from './birthdate.js';

export type Gender = 'MALE' | 'FEMALE' | 'UNKNOWN';

/**
 * The basic-4 facts (基本4情報) a JPKI signing certificate carries about its holder. Personal data:
 * never log it, never put it in an error message.
 */
export interface Basic4Facts {
  /** Surname, full-width space (U+3000), given name; characters outside JIS levels 1–2 are substitutes. */
  name: string;
  /** One digit per character of `name`: 1 where the character is a substitute (代替文字). */
  nameFlags?: string;
  gender: Gender;
  /** Gregorian `YYYY-MM-DD`; a 00 month or day means that part is unknown. */
  dateOfBirth: string;
  /** The era digit the certificate gave with the date (redundant with it; see birthdate.ts). */
  dateOfBirthEra?: BirthEra;
  address: string;
  /** One digit per character of `address`, as `nameFlags`. */
  addressFlags?: string;
}

/** The facts a contract can expect of a party and compare with the certificate's. */
export type ComparableFact = 'name' | 'address' | 'dateOfBirth' | 'gender';
