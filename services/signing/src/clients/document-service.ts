import { createHash } from 'node:crypto';
import { credentials, Metadata } from '@grpc/grpc-js';
import { bearerInterceptor, type TokenSource } from '@jitsuin/auth';
import { resourceExhausted, unavailable } from '@jitsuin/errors';
import {
  ContractState,
  DocumentServiceClient,
  Gender,
  PartyKind,
  RevisionKind,
  RevisionPurpose,
  type AddRevisionRequest,
  type Contract,
  type Document,
  type Revision,
  type RevisionProvenance,
} from '@jitsuin/proto/document/v1/document';
import { callClientStream, callUnary, fromDownstream } from '@jitsuin/rpc';
import type {
  ContractState as DomainContractState,
  ContractView,
  DocumentView,
  ExpectedFacts,
  Provenance,
  RevisionKind as DomainRevisionKind,
  RevisionView,
} from '../domain/contract.js';

/** Upload messages carry at most this much (the server takes 4 MiB messages). */
const CHUNK_BYTES = 1024 * 1024;

/** An answer of the document service as an error of this service (see fromDownstream). */
const fromDocumentService = (err: unknown, signal: AbortSignal | undefined) => fromDownstream(err, 'the document service', signal);

const enumName = (names: Record<number, string>, value: number, prefix: string) =>
  (names[value] ?? '').replace(prefix, '');

function contractFromProto(contract: Contract): ContractView {
  return {
    id: contract.id,
    tenantId: contract.tenantId,
    state: enumName(ContractState, contract.state, 'CONTRACT_STATE_') as DomainContractState,
    parties: contract.parties.map((p) => {
      const facts = p.expectedFacts;
      const expectedFacts: ExpectedFacts | undefined = facts && facts.name
        ? {
            name: facts.name,
            ...(facts.address ? { address: facts.address } : {}),
            ...(facts.dateOfBirth ? { dateOfBirth: facts.dateOfBirth } : {}),
            ...(facts.gender ? { gender: enumName(Gender, facts.gender, 'GENDER_') as ExpectedFacts['gender'] } : {}),
          }
        : undefined;
      return {
        id: p.id,
        kind: p.kind === PartyKind.PARTY_KIND_ORGANIZATION ? 'ORGANIZATION' : 'PERSON',
        ...(expectedFacts ? { expectedFacts } : {}),
        ...(p.sealId ? { sealId: p.sealId } : {}),
      };
    }),
    documentIds: contract.documents.map((d) => d.documentId),
    signers: Object.fromEntries(contract.documents.map((d) => [d.documentId, [...d.signerPartyIds]])),
    steps: contract.steps.map((s) => [...s.partyIds]),
    openSteps: contract.openSteps,
    ...(contract.certifyingPartyId ? { certifyingPartyId: contract.certifyingPartyId } : {}),
  };
}

const PURPOSES: Record<Provenance['purpose'], RevisionPurpose> = {
  ORIGINAL: RevisionPurpose.REVISION_PURPOSE_ORIGINAL,
  CERTIFICATION: RevisionPurpose.REVISION_PURPOSE_CERTIFICATION,
  SIGNATURE: RevisionPurpose.REVISION_PURPOSE_SIGNATURE,
  SEAL: RevisionPurpose.REVISION_PURPOSE_SEAL,
  TIMESTAMP: RevisionPurpose.REVISION_PURPOSE_TIMESTAMP,
  EXTENSION: RevisionPurpose.REVISION_PURPOSE_EXTENSION,
};

/** Unset when the document service recorded none (a revision stored before it was recorded). */
function provenanceFromProto(provenance: RevisionProvenance | undefined): Provenance | undefined {
  if (!provenance || provenance.purpose === RevisionPurpose.REVISION_PURPOSE_UNSPECIFIED) return undefined;
  return {
    purpose: enumName(RevisionPurpose, provenance.purpose, 'REVISION_PURPOSE_') as Provenance['purpose'],
    ...(provenance.partyId ? { partyId: provenance.partyId } : {}),
    ...(provenance.sealId ? { sealId: provenance.sealId } : {}),
  };
}

function revisionFromProto(revision: Revision): RevisionView {
  const provenance = provenanceFromProto(revision.provenance);
  return {
    id: revision.id,
    ...(revision.parentId ? { parentId: revision.parentId } : {}),
    sha256: revision.sha256,
    size: revision.size,
    kind: enumName(RevisionKind, revision.kind, 'REVISION_KIND_') as DomainRevisionKind,
    madeBy: revision.madeBy,
    ...(provenance ? { provenance } : {}),
  };
}

function documentFromProto(document: Document): DocumentView {
  return {
    id: document.id,
    tenantId: document.tenantId,
    ...(document.contractId ? { contractId: document.contractId } : {}),
    headRevisionId: document.headRevisionId,
    revisions: document.revisions.map(revisionFromProto),
  };
}

const REVISION_KINDS: Record<Exclude<DomainRevisionKind, 'ORIGINAL'>, RevisionKind> = {
  SIGNATURE: RevisionKind.REVISION_KIND_SIGNATURE,
  SEAL: RevisionKind.REVISION_KIND_SEAL,
  TIMESTAMP: RevisionKind.REVISION_KIND_TIMESTAMP,
  VALIDATION_DATA: RevisionKind.REVISION_KIND_VALIDATION_DATA,
};

export interface NewRevision {
  tenantId: string;
  documentId: string;
  parentRevisionId: string;
  kind: Exclude<DomainRevisionKind, 'ORIGINAL'>;
  madeBy: string;
  provenance: Provenance;
  description: string;
}

/** Every call bounded: by the caller's signal (its deadline, its cancellation) and by our own timeout. */
export interface CallLimits {
  signal?: AbortSignal;
}

/**
 * The document service as this service uses it: contracts and documents to read, revisions to
 * download whole (into one buffer, size checked) and to add (streamed from the parts, never
 * joined).
 */
export class DocumentService {
  private readonly client: DocumentServiceClient;

  constructor(
    address: string,
    private readonly timeoutMs: number,
    /**
     * The signing service's own tokens: revisions are its alone to add, and it reads the
     * contracts of callers and events it has already checked.
     */
    tokens: TokenSource,
  ) {
    this.client = new DocumentServiceClient(address, credentials.createInsecure(), {
      interceptors: [bearerInterceptor(tokens)],
      'grpc.max_receive_message_length': 8 * 1024 * 1024,
    });
  }

  close(): void {
    this.client.close();
  }

  async getContract(tenantId: string, contractId: string, limits: CallLimits = {}): Promise<ContractView> {
    const response = await this.call(limits, (settings) =>
      callUnary(this.client.getContract.bind(this.client), { tenantId, contractId }, settings),
    );
    if (!response.contract) throw new Error('the document service answered GetContract without a contract');
    return contractFromProto(response.contract);
  }

  async getDocument(tenantId: string, documentId: string, limits: CallLimits = {}): Promise<DocumentView> {
    const response = await this.call(limits, (settings) =>
      callUnary(this.client.getDocument.bind(this.client), { tenantId, documentId }, settings),
    );
    if (!response.document) throw new Error('the document service answered GetDocument without a document');
    return documentFromProto(response.document);
  }

  /**
   * Every byte of one revision, in one buffer of its recorded size; refused when larger than
   * `maxBytes`, and checked against its recorded SHA-256.
   */
  async download(
    ref: { tenantId: string; documentId: string; revisionId: string },
    maxBytes: number,
    limits: CallLimits = {},
  ): Promise<{ revision: RevisionView; bytes: Buffer }> {
    const call = this.client.downloadRevision(
      { ...ref, offset: 0, length: 0 },
      new Metadata(),
      { deadline: Date.now() + this.timeoutMs },
    );
    const cancel = () => call.cancel();
    limits.signal?.addEventListener('abort', cancel, { once: true });
    try {
      if (limits.signal?.aborted) call.cancel();
      let revision: RevisionView | undefined;
      let bytes: Buffer | undefined;
      let at = 0;
      for await (const message of call as AsyncIterable<{ revision?: Revision; chunk: Buffer }>) {
        if (!revision) {
          if (!message.revision) throw new Error('the document service sent bytes before naming the revision');
          revision = revisionFromProto(message.revision);
          if (revision.size > maxBytes) {
            throw resourceExhausted(
              `the document is ${revision.size} bytes, larger than the ${maxBytes} bytes this service signs`,
            );
          }
          bytes = Buffer.allocUnsafe(revision.size);
        }
        if (at + message.chunk.length > bytes!.length) {
          throw new Error(`the document service sent more than the ${revision.size} bytes of revision ${revision.id}`);
        }
        message.chunk.copy(bytes!, at);
        at += message.chunk.length;
      }
      if (!revision || !bytes) throw new Error('the document service sent no revision');
      if (at !== revision.size) {
        throw unavailable(`the download of revision ${revision.id} ended after ${at} of ${revision.size} bytes; try again`);
      }
      if (createHash('sha256').update(bytes).digest('hex') !== revision.sha256) {
        throw new Error(`revision ${revision.id} does not match its recorded SHA-256`);
      }
      return { revision, bytes };
    } catch (err) {
      call.cancel();
      throw fromDocumentService(err, limits.signal);
    } finally {
      limits.signal?.removeEventListener('abort', cancel);
    }
  }

  /** Stores `parts` (written one after the other) as a new revision extending the parent. */
  async addRevision(revision: NewRevision, parts: readonly Buffer[], limits: CallLimits = {}): Promise<RevisionView> {
    function* messages(): Iterable<AddRevisionRequest> {
      yield {
        part: {
          $case: 'metadata',
          value: {
            ...revision,
            kind: REVISION_KINDS[revision.kind],
            provenance: { purpose: PURPOSES[revision.provenance.purpose], partyId: revision.provenance.partyId ?? '', sealId: revision.provenance.sealId ?? '' },
          },
        },
      };
      for (const part of parts) {
        for (let at = 0; at < part.length; at += CHUNK_BYTES) {
          yield { part: { $case: 'chunk', value: part.subarray(at, at + CHUNK_BYTES) } };
        }
      }
    }
    const response = await this.call(limits, (settings) =>
      callClientStream(this.client.addRevision.bind(this.client), messages(), settings),
    );
    if (!response.revision) throw new Error('the document service answered AddRevision without the revision');
    return revisionFromProto(response.revision);
  }

  private async call<T>(
    limits: CallLimits,
    fn: (settings: { deadlineMs: number; signal?: AbortSignal }) => Promise<T>,
  ): Promise<T> {
    try {
      return await fn({ deadlineMs: this.timeoutMs, ...(limits.signal ? { signal: limits.signal } : {}) });
    } catch (err) {
      throw fromDocumentService(err, limits.signal);
    }
  }
}
