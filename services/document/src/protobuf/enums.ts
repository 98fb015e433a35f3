import { invalidArgument } from '@jitsuin/errors';
import {
  ContractKind,
  ContractState,
  EndReason,
  Gender,
  Language,
  PartyKind,
  PartyRole,
  RevisionKind,
  RevisionPurpose,
} from '@jitsuin/proto/document/v1/document';
import type * as contract from '../domain/contract.js';
import type * as document from '../domain/document.js';

/** Both directions between a domain name and its protobuf enum; unknown values are refused. */
function enumMapping<D extends string>(what: string, toProto: Record<D, number>) {
  const fromProto = new Map<number, D>(Object.entries(toProto).map(([k, v]) => [v as number, k as D]));
  return {
    toProto,
    fromProto(value: number): D {
      const name = fromProto.get(value);
      if (name === undefined) throw invalidArgument(`${what} is missing or unknown (${value})`);
      return name;
    },
  };
}

export const contractKinds = enumMapping<contract.ContractKind>('contract kind', {
  MORTGAGE: ContractKind.CONTRACT_KIND_MORTGAGE,
  LEASE: ContractKind.CONTRACT_KIND_LEASE,
  OTHER: ContractKind.CONTRACT_KIND_OTHER,
});

export const contractStates = enumMapping<contract.ContractState>('contract state', {
  DRAFT: ContractState.CONTRACT_STATE_DRAFT,
  SENT: ContractState.CONTRACT_STATE_SENT,
  PARTIALLY_SIGNED: ContractState.CONTRACT_STATE_PARTIALLY_SIGNED,
  SIGNED: ContractState.CONTRACT_STATE_SIGNED,
  SEALED: ContractState.CONTRACT_STATE_SEALED,
  ARCHIVED: ContractState.CONTRACT_STATE_ARCHIVED,
  DECLINED: ContractState.CONTRACT_STATE_DECLINED,
  VOIDED: ContractState.CONTRACT_STATE_VOIDED,
  EXPIRED: ContractState.CONTRACT_STATE_EXPIRED,
});

export const partyKinds = enumMapping<contract.PartyKind>('party kind', {
  PERSON: PartyKind.PARTY_KIND_PERSON,
  ORGANIZATION: PartyKind.PARTY_KIND_ORGANIZATION,
});

export const partyRoles = enumMapping<contract.PartyRole>('party role', {
  BORROWER: PartyRole.PARTY_ROLE_BORROWER,
  CO_BORROWER: PartyRole.PARTY_ROLE_CO_BORROWER,
  GUARANTOR: PartyRole.PARTY_ROLE_GUARANTOR,
  LENDER: PartyRole.PARTY_ROLE_LENDER,
  TENANT: PartyRole.PARTY_ROLE_TENANT,
  LANDLORD: PartyRole.PARTY_ROLE_LANDLORD,
  LICENSED_AGENT: PartyRole.PARTY_ROLE_LICENSED_AGENT,
  AGENCY: PartyRole.PARTY_ROLE_AGENCY,
  OTHER: PartyRole.PARTY_ROLE_OTHER,
});

export const genders = enumMapping<contract.Gender>('gender', {
  MALE: Gender.GENDER_MALE,
  FEMALE: Gender.GENDER_FEMALE,
  UNKNOWN: Gender.GENDER_UNKNOWN,
});

const languageMapping = enumMapping<contract.Language>('language', { ja: Language.LANGUAGE_JA, en: Language.LANGUAGE_EN });
/** Unset (0) is "the tenant's language": no language of the party's own. */
export const languages = {
  ...languageMapping,
  fromProtoOptional: (value: number): contract.Language | undefined => (value === Language.LANGUAGE_UNSPECIFIED ? undefined : languageMapping.fromProto(value)),
};

export const endReasons = enumMapping<contract.ContractEnd['reason']>('end reason', {
  DECLINED: EndReason.END_REASON_DECLINED,
  VOIDED: EndReason.END_REASON_VOIDED,
  EXPIRED: EndReason.END_REASON_EXPIRED,
  VERIFICATION_FAILED: EndReason.END_REASON_VERIFICATION_FAILED,
});

export const revisionKinds = enumMapping<document.RevisionKind>('revision kind', {
  ORIGINAL: RevisionKind.REVISION_KIND_ORIGINAL,
  SIGNATURE: RevisionKind.REVISION_KIND_SIGNATURE,
  SEAL: RevisionKind.REVISION_KIND_SEAL,
  TIMESTAMP: RevisionKind.REVISION_KIND_TIMESTAMP,
  VALIDATION_DATA: RevisionKind.REVISION_KIND_VALIDATION_DATA,
});

export const revisionPurposes = enumMapping<document.Provenance['purpose']>('revision purpose', {
  ORIGINAL: RevisionPurpose.REVISION_PURPOSE_ORIGINAL,
  CERTIFICATION: RevisionPurpose.REVISION_PURPOSE_CERTIFICATION,
  SIGNATURE: RevisionPurpose.REVISION_PURPOSE_SIGNATURE,
  SEAL: RevisionPurpose.REVISION_PURPOSE_SEAL,
  TIMESTAMP: RevisionPurpose.REVISION_PURPOSE_TIMESTAMP,
  EXTENSION: RevisionPurpose.REVISION_PURPOSE_EXTENSION,
});
