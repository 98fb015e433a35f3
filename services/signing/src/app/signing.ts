import { createHash, randomUUID } from 'node:crypto';
import { type Provenance, sealMaker, sealProvenance } from '@jitsuin/contract';
import { failedPrecondition, invalidArgument, JitsuinError, resourceExhausted } from '@jitsuin/errors';
import {
  completeSignature,
  extend,
  prepareSignature,
  type FieldSpec,
  signWith,
  type PadesLevel,
  type Placement,
} from '@jitsuin/signer';
import { parseCert } from '@jitsuin/pades';
import { CertificateStore, readCertificates, type RevocationSource, revocationStatusAt } from '@jitsuin/verify';
import type { DocumentService } from '../clients/document-service.js';
import { cardIssuer, cardRevocation, checkCardCertificate, serialOf } from '../domain/certificate.js';
import {
  cardSigner,
  checkOpenForSeal,
  checkOpenForSigning,
  checkTurn,
  fieldNameFor,
  headOf,
  type ContractView,
  type DocumentView,
  type RevisionView,
} from '../domain/contract.js';
import { refusalOf, signingError } from '../domain/errors.js';
import { needsTimestamp } from '../domain/levels.js';
import { MAX_PENDING_BYTES, pendingBytes, unclaimable, type SigningSession } from '../domain/session.js';
import { isDuplicateKey, outboxEntries } from '@jitsuin/store';
import { signatureApplied, signatureFailed } from '../events/payloads.js';
import type { SealKeys } from '../store/seal-keys.js';
import type { SessionRepository } from '../store/sessions.js';
import { addDocumentTimestamp, freeFieldName, signatureFieldNames } from './document-timestamp.js';
import type { MemoryBudget } from './memory.js';

export interface RevisionRef {
  tenantId: string;
  contractId: string;
  documentId: string;
  /** Must be the document's head. */
  revisionId: string;
}

export interface PrepareInput {
  revision: RevisionRef;
  partyId: string;
  placement: Placement;
  level: PadesLevel;
  certify?: 1 | 2 | 3;
  signerCertificate: Buffer;
}

export interface Prepared {
  sessionId: string;
  expiresAt: Date;
  digest: Buffer;
  digestInfo: Buffer;
}

export interface CompleteInput {
  /** The caller's tenant: another tenant's session is not found. */
  tenantId: string;
  sessionId: string;
  signatureValue: Buffer;
  certificate: Buffer;
}

export interface SealInput {
  revision: RevisionRef;
  sealId: string;
  placement: Placement;
  level: PadesLevel;
  certify?: 1 | 2 | 3;
  lock: boolean;
  /** Empty fields for the later signers, laid out with a certification. */
  addFields?: FieldSpec[];
  /**
   * What the seal is for and whose it is (the automation knows); absent (the Seal call): the
   * contract's organisation holding the seal, certifying when `certify` is set.
   */
  provenance?: Provenance;
}

export interface StoredRevision {
  revisionId: string;
  sha256: string;
}

export interface SignedRevision extends StoredRevision {
  fieldName: string;
}

export interface SigningSettings {
  tsaUrl?: string;
  sessionTtlMs: number;
  maxDocumentBytes: number;
  allowTestJpki: boolean;
  /**
   * CAs that issue card signing certificates (every JPKI signing root generation): a card's
   * certificate must come from one of them, which then goes into its signature.
   */
  caCertificates: Buffer[];
  /**
   * Where a card certificate's revocation is asked at prepare, in order (the verifier's sources:
   * JPKI endpoints, then the OCSP and CRL URLs it names), each request bounded in time.
   */
  revocation: RevocationSource[];
  /** Timeout of one call to a timestamp authority or revocation server. */
  callTimeoutMs: number;
}

/** What a call brings along: its cancellation and deadline. */
export interface CallLimits {
  signal: AbortSignal;
}

/** Revocation data without nextUpdate counts as current this long after its thisUpdate (as the verifier's default). */
const REVOCATION_MAX_AGE_MS = 24 * 3_600_000;

/** Memory a call holds besides the document itself: the update, the CMS, the messages in flight. */
const WORKING_BYTES = 8 * 1024 * 1024;

const sha256Hex = (parts: readonly Buffer[]) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
};
const lengthOf = (parts: readonly Buffer[]) => parts.reduce((n, p) => n + p.length, 0);

/**
 * Signing as the service offers it: card signatures in two steps with a session between them,
 * seals, timestamps and validation data in one. Every result is a new revision stored through
 * the document service, extending the head it was made from; nothing is stored when a check
 * fails.
 */
export class Signing {
  private readonly cardCas: CertificateStore;

  constructor(
    private readonly documents: DocumentService,
    private readonly sessions: SessionRepository,
    private readonly seals: SealKeys,
    private readonly memory: MemoryBudget,
    private readonly settings: SigningSettings,
    /** Called with the id of a session whose change and events were just written. */
    private readonly changed: (id: string) => void = () => {},
    private readonly now: () => Date = () => new Date(),
  ) {
    this.cardCas = new CertificateStore(readCertificates(settings.caCertificates, 'signing CA certificate'));
  }

  /** Checks the card's certificate and the contract, adds the field and placeholder, opens a session. */
  async prepare(input: PrepareInput, limits: CallLimits): Promise<Prepared> {
    const { revision: ref, level } = input;
    const tsaUrl = this.timestampAuthority(level);
    const contract = await this.documents.getContract(ref.tenantId, ref.contractId, limits);
    checkOpenForSigning(contract);
    const party = cardSigner(contract, input.partyId);
    // The certificate before the document: a wrong card costs no download.
    const now = this.now();
    const certificate = checkCardCertificate(input.signerCertificate, party.expectedFacts, {
      allowTestHierarchy: this.settings.allowTestJpki,
      now,
    });
    const issuer = await this.checkCardTrust(input.signerCertificate, now, limits);

    return this.withHead(contract, ref, limits, async (head, pdf, document) => {
      checkTurn(contract, party, document);
      const pending = await prepareSignature(pdf, {
        // A party signs the field laid out for it (by the certification), or a new one of that name.
        placement: { ...input.placement, fieldName: input.placement.fieldName ?? fieldNameFor(party.id) },
        level,
        ...(input.certify ? { certify: input.certify } : {}),
        signerCertificate: input.signerCertificate,
        chain: [issuer.der],
        signingTime: now,
        ...(tsaUrl ? { tsaUrl } : {}),
      });
      const size = pendingBytes(pending);
      if (size > MAX_PENDING_BYTES) {
        throw resourceExhausted(
          `the prepared signature is ${size} bytes, more than a signing session holds (${MAX_PENDING_BYTES}); ` +
            'use a smaller appearance or an invisible signature',
        );
      }
      limits.signal.throwIfAborted();
      const session: SigningSession = {
        id: randomUUID(),
        kind: 'CARD',
        tenantId: ref.tenantId,
        contractId: contract.id,
        documentId: ref.documentId,
        baseRevisionId: head.id,
        partyId: party.id,
        level,
        fieldName: pending.fieldName,
        certificateSerial: certificate.serial,
        state: 'PREPARED',
        createdAt: now,
        updatedAt: now,
        expiresAt: new Date(now.getTime() + this.settings.sessionTtlMs),
        pending,
      };
      await this.sessions.insert(session);
      return { sessionId: session.id, expiresAt: session.expiresAt, digest: pending.digest, digestInfo: pending.digestInfo };
    });
  }

  /**
   * The card's certificate came from a configured JPKI signing root (by key identifier and
   * signature) and is not revoked now, asked of the revocation sources within the call's
   * deadline. Returns the issuer. A source that cannot answer is UNAVAILABLE: nothing is written.
   */
  private async checkCardTrust(der: Buffer, now: Date, limits: CallLimits) {
    const issuer = cardIssuer(der, this.cardCas, now);
    const answer = await revocationStatusAt(
      this.settings.revocation,
      { cert: parseCert(der, 'the signer certificate'), issuer },
      { at: now, validationTime: now, maxAgeMs: REVOCATION_MAX_AGE_MS, who: 'the signer certificate', signal: limits.signal },
    );
    cardRevocation(answer);
    return issuer;
  }

  /**
   * Claims the session (single use), checks the signature and certificate, writes the CMS into
   * the placeholder, stores the revision and announces it. A refusal spends the session and
   * announces `signature.failed`; a transient failure (a service away, a deadline) gives the
   * session back so that the same signature may be sent again.
   */
  async complete(input: CompleteInput, limits: CallLimits): Promise<SignedRevision> {
    if (input.signatureValue.length === 0) throw invalidArgument('the signature value from the card is required');
    if (input.certificate.length === 0) throw invalidArgument('the signer certificate is required');
    const ownSession = await this.sessions.find(input.sessionId);
    if (ownSession?.tenantId !== input.tenantId) throw unclaimable(input.sessionId, undefined, this.now());
    const claimId = randomUUID();
    const session = await this.sessions.claim(input.sessionId, claimId, this.now());
    if (!session) throw unclaimable(input.sessionId, await this.sessions.find(input.sessionId), this.now());

    try {
      return await this.completeClaimed(session, claimId, input, limits);
    } catch (err) {
      const refusal = refusalOf(err);
      if (refusal) {
        const events = outboxEntries(session.tenantId, session.contractId, signatureFailed(session, refusal));
        if (await this.sessions.fail(session.id, claimId, refusal, events, this.now()).catch(() => false)) {
          this.changed(session.id);
        }
      } else {
        await this.sessions.release(session.id, claimId, this.now()).catch(() => undefined);
      }
      throw err;
    }
  }

  private async completeClaimed(
    session: SigningSession,
    claimId: string,
    input: CompleteInput,
    limits: CallLimits,
  ): Promise<SignedRevision> {
    const pending = session.pending;
    if (!pending) throw failedPrecondition(`signing session ${session.id} expired; prepare again`);
    if (!input.certificate.equals(pending.signerCertificate)) {
      throw signingError(
        'INVALID_ARGUMENT',
        'CERTIFICATE_MISMATCH',
        'the certificate is not the one the signature was prepared for: complete with the certificate of the same card',
      );
    }
    const contract = await this.documents.getContract(session.tenantId, session.contractId, limits);
    checkOpenForSigning(contract);
    const document = await this.documents.getDocument(session.tenantId, session.documentId, limits);

    // An earlier attempt may have stored the revision and lost the answer: finish that one.
    if (session.upload) {
      const stored = document.revisions.find(
        (r) => r.parentId === session.baseRevisionId && r.sha256 === session.upload?.sha256,
      );
      if (stored) return this.completed(session, claimId, stored);
    }
    checkTurn(contract, cardSigner(contract, session.partyId), document);

    const release = await this.memory.reserve(pending.baseSize + 2 * pending.appended.length + WORKING_BYTES, limits.signal);
    try {
      const { revision: base, bytes } = await this.documents.download(
        { tenantId: session.tenantId, documentId: session.documentId, revisionId: session.baseRevisionId },
        this.settings.maxDocumentBytes,
        limits,
      );
      // The download checked the bytes against the revision's recorded SHA-256.
      if (base.sha256 !== pending.baseSha256) {
        throw signingError(
          'FAILED_PRECONDITION',
          'BASE_CHANGED',
          `revision ${session.baseRevisionId} is not the PDF the signature was prepared on; prepare again`,
        );
      }
      const { parts } = await completeSignature(bytes, pending, input.signatureValue, input.certificate, {
        ...(this.settings.tsaUrl ? { tsaUrl: this.settings.tsaUrl } : {}),
        timeoutMs: this.settings.callTimeoutMs,
        // The download checked these bytes against the SHA-256 the signature was prepared
        // on: hashing them again would only repeat that.
        baseVerified: true,
      });
      const upload = { sha256: sha256Hex(parts), size: lengthOf(parts) };
      await this.sessions.recordUpload(session.id, claimId, upload, this.now());
      limits.signal.throwIfAborted();
      const revision = await this.store(
        {
          tenantId: session.tenantId,
          documentId: session.documentId,
          parentRevisionId: session.baseRevisionId,
          kind: 'SIGNATURE',
          madeBy: session.partyId,
          provenance: { purpose: 'SIGNATURE', partyId: session.partyId },
          description: `PAdES ${session.level} signature of party ${session.partyId} in field ${session.fieldName}`,
        },
        parts,
        limits,
      );
      return await this.completed(session, claimId, revision);
    } finally {
      release();
    }
  }

  private async completed(session: SigningSession, claimId: string, revision: RevisionView): Promise<SignedRevision> {
    const events = outboxEntries(session.tenantId, session.contractId, signatureApplied(session, revision.id));
    const result = { revisionId: revision.id, sha256: revision.sha256 };
    if (!(await this.sessions.complete(session.id, claimId, result, events, this.now()))) {
      // Only a sweep of a long-dead session could take it away; the revision is stored all the same.
      throw new Error(`signing session ${session.id} was taken away while revision ${revision.id} was being recorded`);
    }
    this.changed(session.id);
    return { ...result, fieldName: session.fieldName };
  }

  /** Signs with a seal key the service holds, in one step; announced like a card signature. */
  async seal(input: SealInput, limits: CallLimits): Promise<SignedRevision> {
    const { revision: ref, level } = input;
    const signer = this.seals.get(input.sealId);
    const tsaUrl = this.timestampAuthority(level);
    const contract = await this.documents.getContract(ref.tenantId, ref.contractId, limits);
    checkOpenForSeal(contract);
    const now = this.now();
    return this.withHead(contract, ref, limits, async (head, pdf) => {
      // The signer names a new field itself; a seal gets a name that says whose it is.
      const fieldName = input.placement.fieldName || freeFieldName(signatureFieldNames(pdf), `Seal-${input.sealId}`);
      const { parts } = await signWith(pdf, signer, {
        placement: { ...input.placement, fieldName },
        level,
        ...(input.certify ? { certify: input.certify } : {}),
        ...(input.lock ? { lock: true } : {}),
        ...(input.addFields?.length ? { addFields: input.addFields } : {}),
        signingTime: now,
        ...(tsaUrl ? { tsaUrl } : {}),
      }, { timeoutMs: this.settings.callTimeoutMs });
      const revision = await this.store(
        {
          tenantId: ref.tenantId,
          documentId: ref.documentId,
          parentRevisionId: head.id,
          kind: 'SEAL',
          madeBy: sealMaker(input.sealId),
          provenance: input.provenance ?? sealProvenance(contract, ref.documentId, input.sealId, input.certify !== undefined),
          description: `PAdES ${level} seal ${input.sealId} in field ${fieldName}${input.lock ? ', locking the document' : ''}`,
        },
        parts,
        limits,
      );
      const record: MadeSession = {
        id: madeSessionId(revision.id),
        kind: 'SEAL',
        tenantId: ref.tenantId,
        contractId: contract.id,
        documentId: ref.documentId,
        baseRevisionId: head.id,
        partyId: input.sealId,
        level,
        fieldName,
        certificateSerial: serialOf(signer.certificate),
        state: 'COMPLETED',
        createdAt: now,
        updatedAt: this.now(),
        expiresAt: now,
        result: { revisionId: revision.id, sha256: revision.sha256 },
      };
      await this.announce(record);
      return { revisionId: revision.id, sha256: revision.sha256, fieldName };
    });
  }

  /**
   * Announces a revision this service made (a seal, or the B-LTA extension) unless that was
   * done: the document service may have stored the revision and died before answering, so the
   * session with its signature.applied was never written, and the redelivered event finds the
   * revision in place and signs nothing. Without this the contract waited for that revision's
   * verification for ever (seen with the document service killed -9 under load).
   */
  async announceMade(
    contract: ContractView,
    documentId: string,
    revision: RevisionView,
    made: { kind: 'SEAL' | 'TIMESTAMP'; partyId: string; fieldName: string; level: PadesLevel; sealId?: string },
  ): Promise<boolean> {
    const now = this.now();
    return await this.announce({
      id: madeSessionId(revision.id),
      kind: made.kind,
      tenantId: contract.tenantId,
      contractId: contract.id,
      documentId,
      baseRevisionId: revision.parentId ?? '',
      partyId: made.partyId,
      level: made.level,
      fieldName: made.fieldName,
      certificateSerial: made.sealId ? serialOf(this.seals.get(made.sealId).certificate) : '',
      state: 'COMPLETED',
      createdAt: now,
      updatedAt: now,
      expiresAt: now,
      result: { revisionId: revision.id, sha256: revision.sha256 },
    });
  }

  /**
   * Records a revision this service made, with its signature.applied. The session is named by
   * the revision, so the revision is announced once however many times (and replicas) try;
   * false when it was announced already.
   */
  private async announce(record: MadeSession): Promise<boolean> {
    try {
      await this.sessions.insert(record, outboxEntries(record.tenantId, record.contractId, signatureApplied(record, record.result.revisionId)));
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
    this.changed(record.id);
    return true;
  }

  /** B-T for a signature made without one: a document timestamp after it. */
  async addTimestamp(input: { revision: RevisionRef; fieldName: string }, limits: CallLimits): Promise<StoredRevision> {
    const tsaUrl = this.timestampAuthority('B-T')!;
    const contract = await this.documents.getContract(input.revision.tenantId, input.revision.contractId, limits);
    return this.withHead(contract, input.revision, limits, async (head, pdf) => {
      const { parts } = await addDocumentTimestamp(pdf, input.fieldName, { tsaUrl, timeoutMs: this.settings.callTimeoutMs });
      const revision = await this.store(
        {
          tenantId: input.revision.tenantId,
          documentId: input.revision.documentId,
          parentRevisionId: head.id,
          kind: 'TIMESTAMP',
          madeBy: 'signing-service',
          provenance: { purpose: 'TIMESTAMP' },
          description: `document timestamp covering signature ${input.fieldName}`,
        },
        parts,
        limits,
      );
      return { revisionId: revision.id, sha256: revision.sha256 };
    });
  }

  /**
   * B-LT: validation data (DSS) for every signature; B-LTA: that and a document timestamp over
   * it. When the signer appends them as two updates, each is stored as its own revision
   * (VALIDATION_DATA, then TIMESTAMP), so the chain says what each update added.
   */
  async extend(input: { revision: RevisionRef; level: PadesLevel }, limits: CallLimits): Promise<StoredRevision> {
    const { level } = input;
    if (level !== 'B-LT' && level !== 'B-LTA') throw invalidArgument('a document is extended to B-LT or B-LTA');
    const tsaUrl = level === 'B-LTA' ? this.timestampAuthority(level) : this.settings.tsaUrl;
    const contract = await this.documents.getContract(input.revision.tenantId, input.revision.contractId, limits);
    return this.withHead(contract, input.revision, limits, async (head, pdf) => {
      const { parts } = await extend(pdf, level, {
        ...(tsaUrl ? { tsaUrl } : {}),
        timeoutMs: this.settings.callTimeoutMs,
      });
      const base = {
        tenantId: input.revision.tenantId,
        documentId: input.revision.documentId,
        madeBy: 'signing-service',
        provenance: { purpose: 'EXTENSION' } satisfies Provenance,
      };
      let parent = head.id;
      if (level === 'B-LTA' && parts.length > 2) {
        const dss = await this.store(
          { ...base, parentRevisionId: parent, kind: 'VALIDATION_DATA', description: 'validation data (DSS) for PAdES B-LT' },
          parts.slice(0, -1),
          limits,
        );
        parent = dss.id;
      }
      const revision = await this.store(
        {
          ...base,
          parentRevisionId: parent,
          kind: level === 'B-LT' ? 'VALIDATION_DATA' : 'TIMESTAMP',
          description: level === 'B-LT' ? 'validation data (DSS) for PAdES B-LT' : 'validation data and document timestamp for PAdES B-LTA',
        },
        parts,
        limits,
      );
      // Announced like a signature, so that the new revision is verified (and the contract,
      // long-term verifiable now, completes).
      const now = this.now();
      const record: MadeSession = {
        id: madeSessionId(revision.id),
        kind: 'TIMESTAMP',
        tenantId: input.revision.tenantId,
        contractId: contract.id,
        documentId: input.revision.documentId,
        baseRevisionId: head.id,
        partyId: 'signing-service',
        level,
        fieldName: '',
        certificateSerial: '',
        state: 'COMPLETED',
        createdAt: now,
        updatedAt: now,
        expiresAt: now,
        result: { revisionId: revision.id, sha256: revision.sha256 },
      };
      await this.announce(record);
      return { revisionId: revision.id, sha256: revision.sha256 };
    });
  }

  /** The configured timestamp authority when `level` needs one; refuses when none is. */
  private timestampAuthority(level: PadesLevel): string | undefined {
    if (!needsTimestamp(level)) return this.settings.tsaUrl;
    if (!this.settings.tsaUrl) {
      throw failedPrecondition(`PAdES ${level} needs a timestamp authority and none is configured (TSA_URL); sign at B-B`);
    }
    return this.settings.tsaUrl;
  }

  /**
   * Runs `fn` with the head revision named by `ref` and its bytes, holding their memory for the
   * duration. Refuses a revision that is not the head, or larger than this service signs.
   */
  private async withHead<T>(
    contract: ContractView,
    ref: RevisionRef,
    limits: CallLimits,
    fn: (head: RevisionView, pdf: Buffer, document: DocumentView) => Promise<T>,
  ): Promise<T> {
    const document = await this.documents.getDocument(ref.tenantId, ref.documentId, limits);
    const head = headOf(contract, document, ref.revisionId);
    if (head.size > this.settings.maxDocumentBytes) {
      throw resourceExhausted(
        `the document is ${head.size} bytes, larger than the ${this.settings.maxDocumentBytes} bytes this service signs`,
      );
    }
    const release = await this.memory.reserve(head.size + WORKING_BYTES, limits.signal);
    try {
      const { bytes } = await this.documents.download(
        { tenantId: ref.tenantId, documentId: ref.documentId, revisionId: head.id },
        this.settings.maxDocumentBytes,
        limits,
      );
      return await fn(head, bytes, document);
    } finally {
      release();
    }
  }

  /** AddRevision; a head that moved meanwhile is the caller's to resolve (prepare again). */
  private async store(
    revision: Parameters<DocumentService['addRevision']>[0],
    parts: Buffer[],
    limits: CallLimits,
  ): Promise<RevisionView> {
    try {
      return await this.documents.addRevision(revision, parts, limits);
    } catch (err) {
      if (err instanceof JitsuinError && err.kind === 'FAILED_PRECONDITION') {
        throw signingError(
          'FAILED_PRECONDITION',
          'HEAD_MOVED',
          `the document changed while this was being signed (${err.message}); start again from the new head`,
        );
      }
      throw err;
    }
  }
}

/** The session of a revision the service made itself (a seal, a timestamp): one per revision. */
type MadeSession = SigningSession & { result: NonNullable<SigningSession['result']> };
const madeSessionId = (revisionId: string) => `made:${revisionId}`;
