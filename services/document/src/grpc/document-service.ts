import { allow, tenantOf, type Authenticator } from '@jitsuin/auth';
import { invalidArgument } from '@jitsuin/errors';
import {
  DocumentServiceService,
  type AddRevisionRequest,
  type DocumentServiceServer,
  type DownloadRevisionResponse,
  type UploadDocumentRequest,
} from '@jitsuin/proto/document/v1/document';
import { handlers, type Logger, type ServiceRegistration } from '@jitsuin/rpc';
import type { Contracts } from '../app/contracts.js';
import type { Documents } from '../app/documents.js';
import type { EvidenceExporter } from '../app/evidence.js';
import { storeErrorTranslator } from '@jitsuin/store';
import { contractStates, revisionKinds } from '../protobuf/enums.js';
import { contractToProto, documentToProto, draftFromProto, provenanceFromProto, revisionToProto } from './mapping.js';
import { splitUpload } from './upload-stream.js';
import { exportEvidence } from './evidence.js';

export const DOCUMENT_SERVICE_NAME = 'jitsuin.document.v1.DocumentService';

/**
 * Who may call what. A tenant's members and clients act for their own tenant (the token's);
 * the platform's services name the tenant of the contract they work on. Revisions other than a
 * document's original are the signing service's to add: it alone signs, seals and extends.
 */
const SENDERS = allow('sender');
const READERS = allow('sender', 'auditor', 'admin');
const READERS_AND_SERVICES = allow('sender', 'auditor', 'admin', 'signing', 'verification');
const SIGNING_SERVICE = allow('signing');

/** The gRPC edge of the document service: protobuf in and out, nothing else. */
export function documentService(
  app: { contracts: Contracts; documents: Documents; evidence: EvidenceExporter },
  authenticate: Authenticator,
  logger: Logger,
): ServiceRegistration {
  const { contracts, documents, evidence } = app;
  const h = handlers({ logger, authenticate, translate: storeErrorTranslator('the document store') });
  const contractResponse = async (pending: Promise<Parameters<typeof contractToProto>[0]>) => ({
    contract: contractToProto(await pending),
  });

  const implementation: DocumentServiceServer = {
    createContract: h.unary('CreateContract', SENDERS, (req, ctx) =>
      contractResponse(contracts.create({ ...draftFromProto(req), tenantId: tenantOf(ctx.caller, req.tenantId) })),
    ),
    getContract: h.unary('GetContract', READERS_AND_SERVICES, (req, ctx) =>
      contractResponse(contracts.get(tenantOf(ctx.caller, req.tenantId), req.contractId)),
    ),
    listContracts: h.unary('ListContracts', READERS, async (req, ctx) => {
      const page = await contracts.list(tenantOf(ctx.caller, req.tenantId), {
        pageSize: req.pageSize,
        pageToken: req.pageToken,
        state: req.state ? contractStates.fromProto(req.state) : undefined,
      });
      return { contracts: page.contracts.map(contractToProto), nextPageToken: page.nextPageToken };
    }),
    sendContract: h.unary('SendContract', SENDERS, (req, ctx) =>
      contractResponse(contracts.act(tenantOf(ctx.caller, req.tenantId), req.contractId, { type: 'send' })),
    ),
    voidContract: h.unary('VoidContract', SENDERS, (req, ctx) =>
      contractResponse(contracts.act(tenantOf(ctx.caller, req.tenantId), req.contractId, { type: 'void', comment: req.comment })),
    ),
    declineContract: h.unary('DeclineContract', SENDERS, (req, ctx) =>
      contractResponse(
        contracts.act(tenantOf(ctx.caller, req.tenantId), req.contractId, { type: 'decline', partyId: req.partyId, comment: req.comment }),
      ),
    ),
    expireContract: h.unary('ExpireContract', SENDERS, (req, ctx) =>
      contractResponse(contracts.act(tenantOf(ctx.caller, req.tenantId), req.contractId, { type: 'expire' })),
    ),

    uploadDocument: h.clientStream('UploadDocument', SENDERS, async (requests: AsyncIterable<UploadDocumentRequest>, ctx) => {
      const { metadata, chunks } = await splitUpload(requests);
      const document = await documents.upload(tenantOf(ctx.caller, metadata.tenantId), metadata.filename, chunks, ctx.signal);
      return { document: documentToProto(document) };
    }),
    getDocument: h.unary('GetDocument', READERS_AND_SERVICES, async (req, ctx) => ({
      document: documentToProto(await documents.get(tenantOf(ctx.caller, req.tenantId), req.documentId)),
    })),
    addRevision: h.clientStream('AddRevision', SIGNING_SERVICE, async (requests: AsyncIterable<AddRevisionRequest>, ctx) => {
      const { metadata, chunks } = await splitUpload(requests);
      const { document, revision } = await documents.addRevision(
        {
          tenantId: tenantOf(ctx.caller, metadata.tenantId),
          documentId: metadata.documentId,
          parentRevisionId: metadata.parentRevisionId,
          kind: revisionKinds.fromProto(metadata.kind),
          madeBy: metadata.madeBy,
          provenance: provenanceFromProto(metadata.provenance),
          description: metadata.description || undefined,
        },
        chunks,
        ctx.signal,
      );
      return { document: documentToProto(document), revision: revisionToProto(revision) };
    }),
    downloadRevision: h.serverStream('DownloadRevision', READERS_AND_SERVICES, async function* (req, ctx): AsyncIterable<DownloadRevisionResponse> {
      if (!Number.isSafeInteger(req.offset) || !Number.isSafeInteger(req.length)) {
        throw invalidArgument('offset and length must be whole numbers of bytes');
      }
      const { revision, stream } = await documents.open(tenantOf(ctx.caller, req.tenantId), req.documentId, req.revisionId, req.offset, req.length);
      let first: DownloadRevisionResponse['revision'] = revisionToProto(revision);
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          ctx.throwIfAborted();
          yield { revision: first, chunk };
          first = undefined;
        }
        // An empty range still tells the caller which revision it asked for.
        if (first) yield { revision: first, chunk: Buffer.alloc(0) };
      } finally {
        stream.destroy();
      }
    }),
    exportEvidence: h.serverStream('ExportEvidence', READERS, (req, ctx) =>
      exportEvidence(evidence, { ...req, tenantId: tenantOf(ctx.caller, req.tenantId) }, ctx),
    ),
  };

  return { name: DOCUMENT_SERVICE_NAME, definition: DocumentServiceService, implementation };
}
