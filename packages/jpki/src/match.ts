import { invalidArgument } from '@jitsuin/errors';
import type { Basic4Facts, ComparableFact } from './facts.js';
import { canonicalKanji } from './kanji-variants.js';
import { normalizeDate, normalizeFact, normalizeGender } from './normalize.js';

/**
 * Whether a certificate's basic-4 facts are the ones a contract expects of a party, the way the
 * JPKI profile writes them: names and addresses compared after normalizeFact (NFKC, so ｱ and
 * full-width digits or letters are their ordinary forms; every space gone, so 山田　太郎, 山田 太郎
 * and 山田太郎 are one name; dashes as '-'), old and variant kanji as one (kanji-variants.ts), and a
 * character the certificate marks as a substitute (代替文字, flags .5.5.2 / .5.5.6) matching any
 * one character at its place. The date of birth is read by readBasic4Facts from `EYYYYMMDD`
 * (birthdate.ts) and compared as a date; the contract's may be ISO or a Japanese-era date.
 *
 * The result names facts, never their values: it may be logged and put in events.
 */

/**
 * How a tenant compares the address: `exact` the whole address (after the normalisation above;
 * the default), `prefecture-and-city` only the prefecture and the municipality (市区町村, for
 * a designated city the city, not its ward), `ignore` not at all.
 */
export type AddressPolicy = 'exact' | 'prefecture-and-city' | 'ignore';

export const ADDRESS_POLICIES: readonly AddressPolicy[] = ['exact', 'prefecture-and-city', 'ignore'];

export type ExpectedFacts = Partial<Record<ComparableFact, string>>;

export interface FactsMatch {
  /** Every compared fact agrees. */
  matches: boolean;
  /** The facts compared: those the contract gives, the address unless the policy ignores it. */
  compared: ComparableFact[];
  /** The compared facts that differ. */
  differing: ComparableFact[];
  /**
   * Compared facts in which the certificate's substitute characters were taken as matching the
   * contract's characters at their places: they agree as far as the certificate can tell.
   */
  substituted: ComparableFact[];
  /** The address policy applied. */
  addressPolicy: AddressPolicy;
}

interface Letter {
  char: string;
  /** The certificate marks the character it came from as a substitute. */
  substitute: boolean;
}

const DIGIT = /^[0-9]$/;
// Combining marks, and the half-width katakana voiced and semi-voiced marks (ﾞ ﾟ).
const COMBINING = /^[\p{M}\uFF9E\uFF9F]$/u;

/**
 * `value` as the letters compared, one by one so that each keeps its substitute flag (`flags`:
 * one digit per character of `value`, '1' for a substitute; ignored unless it has that length).
 */
function lettersOf(value: string, flags?: string): Letter[] {
  const chars = [...value];
  const usable = flags !== undefined && [...flags].length === chars.length;
  // A mark joins the character before it before NFKC, so that ﾀﾞ becomes ダ, not タ and a lone mark.
  const clusters: { text: string; substitute: boolean }[] = [];
  chars.forEach((c, i) => {
    const substitute = usable && flags[i] === '1';
    const last = clusters.at(-1);
    if (last && COMBINING.test(c)) {
      last.text += c;
      last.substitute ||= substitute;
    } else clusters.push({ text: c, substitute });
  });
  const letters: Letter[] = [];
  for (const { text, substitute } of clusters) {
    for (const n of normalizeFact(text)) letters.push({ char: canonicalKanji(n), substitute });
  }
  // normalizeFact's rule for a long-vowel mark between digits (１ー２), which needs its neighbours.
  letters.forEach((l, i) => {
    if (l.char === '\u30FC' && DIGIT.test(letters[i - 1]?.char ?? '') && DIGIT.test(letters[i + 1]?.char ?? '')) l.char = '-';
  });
  return letters;
}

type TextOutcome = 'same' | 'same-with-substitutes' | 'different';

function compareLetters(expected: Letter[], actual: Letter[]): TextOutcome {
  if (expected.length !== actual.length) return 'different';
  let substituted = false;
  for (let i = 0; i < actual.length; i++) {
    if (actual[i]!.char === expected[i]!.char) continue;
    if (!actual[i]!.substitute) return 'different';
    substituted = true;
  }
  return substituted || actual.some((l) => l.substitute) ? 'same-with-substitutes' : 'same';
}

const PREFECTURE = /^(?:東京都|北海道|京都府|大阪府|[^都道府県]{2,3}県)/u;
// The shortest run up to 市, 区, 町 or 村 (a 郡 is passed over: 北佐久郡軽井沢町). A municipality
// whose name holds one of them early (四日市市, 東村山市) is cut short, but the same way on both
// sides, so the same municipality still agrees.
const MUNICIPALITY = /^.{1,12}?[市区町村]/u;

/** How many letters the prefecture and the municipality take, or undefined when they cannot be told. */
function prefectureAndCityLength(letters: Letter[]): number | undefined {
  const text = letters.map((l) => l.char).join('');
  const prefecture = PREFECTURE.exec(text);
  if (!prefecture) return undefined;
  const city = MUNICIPALITY.exec(text.slice(prefecture[0].length));
  if (!city) return undefined;
  return [...prefecture[0]].length + [...city[0]].length;
}

function compareAddress(expected: string, actual: string, flags: string | undefined, policy: AddressPolicy): TextOutcome {
  const want = lettersOf(expected);
  const have = lettersOf(actual, flags);
  if (policy === 'prefecture-and-city') {
    const wantLength = prefectureAndCityLength(want);
    const haveLength = prefectureAndCityLength(have);
    // An address whose prefecture and municipality cannot be told is compared whole.
    if (wantLength !== undefined && haveLength !== undefined) return compareLetters(want.slice(0, wantLength), have.slice(0, haveLength));
  }
  return compareLetters(want, have);
}

/**
 * The facts the contract expects (`expected`; a fact not given is not compared) against the
 * certificate's. Name and date of birth are compared whenever the contract gives them, the
 * address per `addressPolicy` (default `exact`), the gender only when the contract expects one.
 * An expectation that cannot be read (a date or gender in no known form) is INVALID_ARGUMENT.
 */
export function matchFacts(expected: ExpectedFacts, certificate: Basic4Facts, options: { addressPolicy?: AddressPolicy } = {}): FactsMatch {
  const addressPolicy = options.addressPolicy ?? 'exact';
  const compared: ComparableFact[] = [];
  const differing: ComparableFact[] = [];
  const substituted: ComparableFact[] = [];
  const record = (fact: ComparableFact, outcome: TextOutcome) => {
    compared.push(fact);
    if (outcome === 'different') differing.push(fact);
    if (outcome === 'same-with-substitutes') substituted.push(fact);
  };

  if (expected.name !== undefined) {
    record('name', compareLetters(lettersOf(expected.name), lettersOf(certificate.name, certificate.nameFlags)));
  }
  if (expected.address !== undefined && addressPolicy !== 'ignore') {
    record('address', compareAddress(expected.address, certificate.address, certificate.addressFlags, addressPolicy));
  }
  if (expected.dateOfBirth !== undefined) {
    const date = normalizeDate(expected.dateOfBirth);
    if (date === undefined) throw invalidArgument('the expected date of birth is not a date (use YYYY-MM-DD)');
    record('dateOfBirth', date === certificate.dateOfBirth ? 'same' : 'different');
  }
  if (expected.gender !== undefined) {
    const gender = normalizeGender(expected.gender);
    if (gender === undefined) throw invalidArgument('the expected gender is not MALE, FEMALE or UNKNOWN');
    record('gender', gender === certificate.gender ? 'same' : 'different');
  }
  return { matches: differing.length === 0, compared, differing, substituted, addressPolicy };
}

/** The expected facts that differ from the certificate's, the address compared whole (see matchFacts). */
export function compareFacts(expected: ExpectedFacts, actual: Basic4Facts): ComparableFact[] {
  return matchFacts(expected, actual).differing;
}

/** An address policy from a setting; INVALID_ARGUMENT names the ones there are. */
export function addressPolicyOf(value: string): AddressPolicy {
  const policy = ADDRESS_POLICIES.find((p) => p === value.trim().toLowerCase());
  if (!policy) throw invalidArgument(`an address policy is one of ${ADDRESS_POLICIES.join(', ')}`);
  return policy;
}
