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
import { contractToProto, documentToProto, draftFromProto, revisionToProto } from './mapping.js';
import { splitUpload } from './upload-stream.js';
import { exportEvidence } from './evidence.js';

export const DOCUMENT_SERVICE_NAME = 'jitsuin.document.v1.DocumentService';

/** The gRPC edge of the document service: protobuf in and out, nothing else. */
export function documentService(app: { contracts: Contracts; documents: Documents; evidence: EvidenceExporter }, logger: Logger): ServiceRegistration {
  const { contracts, documents, evidence } = app;
  const h = handlers({ logger, translate: storeErrorTranslator('the document store') });
  const contractResponse = async (pending: Promise<Parameters<typeof contractToProto>[0]>) => ({
    contract: contractToProto(await pending),
  });

  const implementation: DocumentServiceServer = {
    createContract: h.unary('CreateContract', (req) => contractResponse(contracts.create(draftFromProto(req)))),
    getContract: h.unary('GetContract', (req) => contractResponse(contracts.get(req.tenantId, req.contractId))),
    listContracts: h.unary('ListContracts', async (req) => {
      const page = await contracts.list(req.tenantId, {
        pageSize: req.pageSize,
        pageToken: req.pageToken,
        state: req.state ? contractStates.fromProto(req.state) : undefined,
      });
      return { contracts: page.contracts.map(contractToProto), nextPageToken: page.nextPageToken };
    }),
    sendContract: h.unary('SendContract', (req) =>
      contractResponse(contracts.act(req.tenantId, req.contractId, { type: 'send' })),
    ),
    voidContract: h.unary('VoidContract', (req) =>
      contractResponse(contracts.act(req.tenantId, req.contractId, { type: 'void', comment: req.comment })),
    ),
    declineContract: h.unary('DeclineContract', (req) =>
      contractResponse(
        contracts.act(req.tenantId, req.contractId, { type: 'decline', partyId: req.partyId, comment: req.comment }),
      ),
    ),
    expireContract: h.unary('ExpireContract', (req) =>
      contractResponse(contracts.act(req.tenantId, req.contractId, { type: 'expire' })),
    ),

    uploadDocument: h.clientStream('UploadDocument', async (requests: AsyncIterable<UploadDocumentRequest>, ctx) => {
      const { metadata, chunks } = await splitUpload(requests);
      const document = await documents.upload(metadata.tenantId, metadata.filename, chunks, ctx.signal);
      return { document: documentToProto(document) };
    }),
    getDocument: h.unary('GetDocument', async (req) => ({
      document: documentToProto(await documents.get(req.tenantId, req.documentId)),
    })),
    addRevision: h.clientStream('AddRevision', async (requests: AsyncIterable<AddRevisionRequest>, ctx) => {
      const { metadata, chunks } = await splitUpload(requests);
      const { document, revision } = await documents.addRevision(
        {
          tenantId: metadata.tenantId,
          documentId: metadata.documentId,
          parentRevisionId: metadata.parentRevisionId,
          kind: revisionKinds.fromProto(metadata.kind),
          madeBy: metadata.madeBy,
          description: metadata.description || undefined,
        },
        chunks,
        ctx.signal,
      );
      return { document: documentToProto(document), revision: revisionToProto(revision) };
    }),
    downloadRevision: h.serverStream('DownloadRevision', async function* (req, ctx): AsyncIterable<DownloadRevisionResponse> {
      if (!Number.isSafeInteger(req.offset) || !Number.isSafeInteger(req.length)) {
        throw invalidArgument('offset and length must be whole numbers of bytes');
      }
      const { revision, stream } = await documents.open(req.tenantId, req.documentId, req.revisionId, req.offset, req.length);
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
    exportEvidence: h.serverStream('ExportEvidence', (req, ctx) => exportEvidence(evidence, req, ctx)),
  };

  return { name: DOCUMENT_SERVICE_NAME, definition: DocumentServiceService, implementation };
}
