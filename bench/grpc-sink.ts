// A DocumentService that only takes uploads and throws the bytes away: the gRPC part of an
// upload with no store behind it (a floor for bench/document.ts). Same server limits as
// @jitsuin/rpc's startGrpcServer. Listens on GRPC_SINK_PORT; SIGTERM stops it.
import { Server, ServerCredentials, type ServerReadableStream, type sendUnaryData } from '@grpc/grpc-js';
import {
  DocumentServiceService,
  type UploadDocumentRequest,
  type UploadDocumentResponse,
} from '@jitsuin/proto/document/v1/document';

const server = new Server({
  'grpc.max_receive_message_length': 4 * 1024 * 1024,
  'grpc.max_send_message_length': 4 * 1024 * 1024,
});
server.addService(DocumentServiceService, {
  uploadDocument: (call: ServerReadableStream<UploadDocumentRequest, UploadDocumentResponse>, callback: sendUnaryData<UploadDocumentResponse>) => {
    (async () => {
      let size = 0;
      for await (const request of call as AsyncIterable<UploadDocumentRequest>) {
        if (request.part?.$case === 'chunk') size += request.part.value.length;
      }
      return size;
    })().then(
      (size) => callback(null, { document: { id: `sink-${size}`, tenantId: '', contractId: '', filename: '', revisions: [], headRevisionId: '' } }),
      (err: Error) => callback(err),
    );
  },
} as never);
server.bindAsync(`127.0.0.1:${process.env.GRPC_SINK_PORT ?? 0}`, ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  process.stdout.write(`listening ${port}\n`);
});
process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
