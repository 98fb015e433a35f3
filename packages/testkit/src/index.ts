export { appendRevision, makePdf } from './pdf-fixtures.js';
export { malformedCorpus, malformedCorpusDir, readCorpusFile, type CorpusFile } from './corpus.js';
export { statusOf } from './grpc-status.js';
