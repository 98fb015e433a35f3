export { opensslVerify, pdfsig, pyhanko, pyhankoAvailable, qpdfCheck, type PdfsigSignature, type PyhankoReport, type PyhankoSignature } from '@jitsuin/testkit/validators';
