export { appendRevision, makePdf } from './pdf-fixtures.js';
