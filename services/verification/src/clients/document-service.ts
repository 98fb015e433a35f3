import { createHash } from 'node:crypto';
import { credentials, Metadata } from '@grpc/grpc-js';
import { bearerInterceptor, type TokenSource } from '@jitsuin/auth';
import { JitsuinError, resourceExhausted, unavailable } from '@jitsuin/errors';
import type { ExpectedFacts } from '@jitsuin/jpki';
import { DocumentServiceClient, Gender, PartyKind, type Party, type Revision } from '@jitsuin/proto/document/v1/document';
import { callUnary, fromDownstream } from '@jitsuin/rpc';
import type { PartyExpectation } from '../domain/signer-facts.js';

const GENDERS: Partial<Record<Gender, string>> = {
  [Gender.GENDER_MALE]: 'MALE',
  [Gender.GENDER_FEMALE]: 'FEMALE',
  [Gender.GENDER_UNKNOWN]: 'UNKNOWN',
};

/** The facts a person party is expected to have; undefined for an organisation (it seals). */
function expectationOf(party: Party): PartyExpectation | undefined {
  const facts = party.expectedFacts;
  if (party.kind === PartyKind.PARTY_KIND_ORGANIZATION || !facts?.name) return undefined;
  const gender = GENDERS[facts.gender];
  const expected: ExpectedFacts = {
    name: facts.name,
    ...(facts.address ? { address: facts.address } : {}),
    ...(facts.dateOfBirth ? { dateOfBirth: facts.dateOfBirth } : {}),
    ...(gender ? { gender } : {}),
  };
  return { partyId: party.id, facts: expected };
}

/**
 * The document service as this service uses it: what a contract expects of a party, and one
 * revision downloaded whole, into one
 * buffer of its recorded size (refused when larger than the limit), checked against its SHA-256.
 * (The same download as services/signing/src/clients/document-service.ts; a service never
 * imports another's code.)
 */

/** An answer of the document service as an error of this service (see fromDownstream). */
const fromDocumentService = (err: unknown, signal: AbortSignal | undefined) => fromDownstream(err, 'the document service', signal);

export interface RevisionRef {
  tenantId: string;
  documentId: string;
  revisionId: string;
}

export class DocumentService {
  private readonly client: DocumentServiceClient;

  constructor(
    address: string,
    private readonly timeoutMs: number,
    /** The verification service's own tokens: it reads the revisions an event names. */
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

  /**
   * What the contract expects of one party: undefined when the document service holds no such
   * contract (NOT_FOUND), the party is not in it, or it is an organisation.
   */
  async partyExpectation(tenantId: string, contractId: string, partyId: string, signal?: AbortSignal): Promise<PartyExpectation | undefined> {
    try {
      const { contract } = await callUnary(this.client.getContract.bind(this.client), { tenantId, contractId }, { deadlineMs: this.timeoutMs, ...(signal ? { signal } : {}) });
      const party = contract?.parties.find((p) => p.id === partyId);
      return party ? expectationOf(party) : undefined;
    } catch (err) {
      const translated = fromDocumentService(err, signal);
      if (translated instanceof JitsuinError && translated.kind === 'NOT_FOUND') return undefined;
      throw translated;
    }
  }

  async download(ref: RevisionRef, maxBytes: number, signal?: AbortSignal): Promise<{ revisionId: string; bytes: Buffer }> {
    const call = this.client.downloadRevision({ ...ref, offset: 0, length: 0 }, new Metadata(), { deadline: Date.now() + this.timeoutMs });
    const cancel = () => call.cancel();
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      if (signal?.aborted) call.cancel();
      let revision: Revision | undefined;
      let bytes: Buffer | undefined;
      let at = 0;
      for await (const message of call as AsyncIterable<{ revision?: Revision; chunk: Buffer }>) {
        if (!revision) {
          if (!message.revision) throw new Error('the document service sent bytes before naming the revision');
          revision = message.revision;
          if (revision.size > maxBytes) {
            throw resourceExhausted(`the document is ${revision.size} bytes, larger than the ${maxBytes} bytes this service verifies`);
          }
          bytes = Buffer.allocUnsafe(revision.size);
        }
        if (at + message.chunk.length > bytes!.length) throw new Error(`the document service sent more than the ${revision.size} bytes of revision ${revision.id}`);
        message.chunk.copy(bytes!, at);
        at += message.chunk.length;
      }
      if (!revision || !bytes) throw new Error('the document service sent no revision');
      if (at !== revision.size) throw unavailable(`the download of revision ${revision.id} ended after ${at} of ${revision.size} bytes; try again`);
      if (createHash('sha256').update(bytes).digest('hex') !== revision.sha256) throw new Error(`revision ${revision.id} does not match its recorded SHA-256`);
      return { revisionId: revision.id, bytes };
    } catch (err) {
      call.cancel();
      throw fromDocumentService(err, signal);
    } finally {
      signal?.removeEventListener('abort', cancel);
    }
  }
}
