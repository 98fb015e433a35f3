import { invalidArgument } from '@jitsuin/errors';
import type * as pb from '@jitsuin/proto/document/v1/document';
import { Indication } from '@jitsuin/proto/verification/v1/verification';
import type { Contract, ContractDraft, ExpectedFacts, Party } from '../domain/contract.js';
import type { Document, Provenance, Revision } from '../domain/document.js';
import { contractKinds, contractStates, endReasons, genders, languages, partyKinds, partyRoles, revisionKinds, revisionPurposes } from '../protobuf/enums.js';

/** Protobuf messages to domain values and back; enums are checked on the way in. */

function factsFromProto(facts: pb.ExpectedFacts | undefined): ExpectedFacts | undefined {
  if (!facts) return undefined;
  return {
    name: facts.name,
    address: facts.address || undefined,
    dateOfBirth: facts.dateOfBirth || undefined,
    gender: facts.gender ? genders.fromProto(facts.gender) : undefined,
  };
}

function partyFromProto(party: pb.Party): Party {
  return {
    id: party.id,
    kind: partyKinds.fromProto(party.kind),
    role: partyRoles.fromProto(party.role),
    email: party.email || undefined,
    expectedFacts: factsFromProto(party.expectedFacts),
    sealId: party.sealId || undefined,
    language: languages.fromProtoOptional(party.language),
  };
}

export function draftFromProto(request: pb.CreateContractRequest): ContractDraft {
  if (!request.deadline) throw invalidArgument('a deadline is required');
  return {
    tenantId: request.tenantId,
    title: request.title,
    kind: contractKinds.fromProto(request.kind),
    parties: request.parties.map(partyFromProto),
    documents: request.documents.map((d) => ({ documentId: d.documentId, title: d.title, signerPartyIds: d.signerPartyIds })),
    steps: request.steps.map((s) => ({ partyIds: s.partyIds })),
    deadline: request.deadline,
    certifyingPartyId: request.certifyingPartyId || undefined,
  };
}

export function contractToProto(contract: Contract): pb.Contract {
  return {
    id: contract.id,
    tenantId: contract.tenantId,
    title: contract.title,
    kind: contractKinds.toProto[contract.kind],
    state: contractStates.toProto[contract.state],
    parties: contract.parties.map((p) => ({
      id: p.id,
      kind: partyKinds.toProto[p.kind],
      role: partyRoles.toProto[p.role],
      email: p.email ?? '',
      expectedFacts: p.expectedFacts && {
        name: p.expectedFacts.name,
        address: p.expectedFacts.address ?? '',
        dateOfBirth: p.expectedFacts.dateOfBirth ?? '',
        gender: p.expectedFacts.gender ? genders.toProto[p.expectedFacts.gender] : 0,
      },
      sealId: p.sealId ?? '',
      language: p.language ? languages.toProto[p.language] : 0,
    })),
    documents: contract.documents.map((d) => ({ documentId: d.documentId, title: d.title, signerPartyIds: d.signerPartyIds ?? [] })),
    steps: contract.steps.map((s) => ({ partyIds: s.partyIds })),
    deadline: contract.deadline,
    createdAt: contract.createdAt,
    updatedAt: contract.updatedAt,
    sentAt: contract.sentAt,
    end: contract.end && {
      reason: endReasons.toProto[contract.end.reason],
      partyId: contract.end.partyId ?? '',
      comment: contract.end.comment ?? '',
      at: contract.end.at,
    },
    version: contract.version,
    certifyingPartyId: contract.certifyingPartyId ?? '',
    openSteps: contract.openSteps,
    verified: contract.verified.map((v) => ({ documentId: v.documentId, revisionId: v.revisionId })),
  };
}

/** A provenance as sent; unset (or its purpose unset) when the writer did not say. */
export function provenanceFromProto(provenance: pb.RevisionProvenance | undefined): Provenance | undefined {
  if (!provenance || provenance.purpose === 0) return undefined;
  return {
    purpose: revisionPurposes.fromProto(provenance.purpose),
    ...(provenance.partyId ? { partyId: provenance.partyId } : {}),
    ...(provenance.sealId ? { sealId: provenance.sealId } : {}),
  };
}

export function provenanceToProto(provenance: Provenance | undefined): pb.RevisionProvenance | undefined {
  return provenance && { purpose: revisionPurposes.toProto[provenance.purpose], partyId: provenance.partyId ?? '', sealId: provenance.sealId ?? '' };
}

export function revisionToProto(revision: Revision): pb.Revision {
  return {
    id: revision.id,
    parentId: revision.parentId ?? '',
    sha256: revision.sha256,
    size: revision.size,
    kind: revisionKinds.toProto[revision.kind],
    madeBy: revision.madeBy,
    provenance: provenanceToProto(revision.provenance),
    description: revision.description ?? '',
    createdAt: revision.createdAt,
    verification: revision.verification && {
      indication: Indication[`INDICATION_${revision.verification.indication}`],
      subIndication: revision.verification.subIndication ?? '',
      signatureCount: revision.verification.signatureCount,
      reportId: revision.verification.reportId,
      verifiedAt: revision.verification.verifiedAt,
    },
  };
}

export function documentToProto(document: Document): pb.Document {
  return {
    id: document.id,
    tenantId: document.tenantId,
    contractId: document.contractId ?? '',
    filename: document.filename,
    revisions: document.revisions.map(revisionToProto),
    headRevisionId: document.headRevisionId,
    createdAt: document.createdAt,
  };
}
