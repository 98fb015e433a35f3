import { type AddressPolicy, type Basic4Facts, type ComparableFact, type ExpectedFacts, type Gender, matchFacts } from '@jitsuin/jpki';
import type { SignatureReport, VerificationReport } from '@jitsuin/verify';

/**
 * Whether a party's card signature was made with that party's card: the basic-4 facts of the
 * new signature's certificate against the facts the contract expects of the party
 * (@jitsuin/jpki matchFacts, the tenant's address policy). The signing service refuses a wrong
 * card before it signs; this check holds for every revision that says it is a party's
 * signature, however it was added, and its failure stops the contract (TOTAL_FAILED).
 */

/** Our sub-indication of TOTAL_FAILED: the signature verifies, but it is not the party's. */
export const SIGNER_FACTS_MISMATCH = 'SIGNER_FACTS_MISMATCH';

/** What the contract expects of a person party, as the document service holds it. */
export interface PartyExpectation {
  partyId: string;
  facts: ExpectedFacts;
}

/** The outcome, kept with the report: fact names only, never the values. */
export interface SignerFactsCheck {
  partyId: string;
  /** The signature field checked: the one signature.applied names, or the newest signature. */
  field: string | null;
  addressPolicy: AddressPolicy;
  /** False when the signature carries no basic-4 facts at all (not a JPKI signing certificate). */
  certificateHasFacts: boolean;
  compared: ComparableFact[];
  differing: ComparableFact[];
  /** Facts that agree only through the certificate's substitute characters (wildcards). */
  substituted: ComparableFact[];
  matches: boolean;
}

/** The address policy of every tenant (config: SIGNER_ADDRESS_POLICY, SIGNER_ADDRESS_POLICY_BY_TENANT). */
export interface AddressPolicies {
  default: AddressPolicy;
  byTenant: Readonly<Record<string, AddressPolicy>>;
}

export function addressPolicyFor(policies: AddressPolicies, tenantId: string): AddressPolicy {
  return Object.hasOwn(policies.byTenant, tenantId) ? policies.byTenant[tenantId]! : policies.default;
}

const GENDERS: readonly Gender[] = ['MALE', 'FEMALE', 'UNKNOWN'];

/** The signature the revision added: the field the event names, else the newest signature. */
function signatureOf(report: VerificationReport, fieldName: string): SignatureReport | undefined {
  return report.signatures.find((s) => s.field === fieldName) ?? report.signatures.at(-1);
}

function factsOf(signature: SignatureReport | undefined): Basic4Facts | undefined {
  const jpki = signature?.signer?.jpki;
  if (!jpki) return undefined;
  return {
    name: jpki.name,
    address: jpki.address,
    dateOfBirth: jpki.dateOfBirth,
    gender: GENDERS.find((g) => g === jpki.gender) ?? 'UNKNOWN',
    ...(jpki.nameFlags ? { nameFlags: jpki.nameFlags } : {}),
    ...(jpki.addressFlags ? { addressFlags: jpki.addressFlags } : {}),
  };
}

/** Compares the facts of the signature in `report` made in `fieldName` with what `expected` says. */
export function checkSignerFacts(report: VerificationReport, fieldName: string, expected: PartyExpectation, addressPolicy: AddressPolicy): SignerFactsCheck {
  const signature = signatureOf(report, fieldName);
  const base = { partyId: expected.partyId, field: signature?.field ?? null, addressPolicy };
  const facts = factsOf(signature);
  if (!facts) {
    // No facts to compare: whoever signed, it was not with a JPKI signing certificate.
    return { ...base, certificateHasFacts: false, compared: [], differing: [], substituted: [], matches: false };
  }
  const result = matchFacts(expected.facts, facts, { addressPolicy });
  return { ...base, certificateHasFacts: true, compared: result.compared, differing: result.differing, substituted: result.substituted, matches: result.matches };
}
