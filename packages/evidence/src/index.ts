/**
 * @jitsuin/evidence: the evidence package for auditors (issue 5, section 3). The document
 * service builds it (buildEvidence), `./jitsuin evidence verify` checks it offline
 * (checkEvidence). layout.ts says what it holds.
 */
export * from './layout.js';
export { canonicalJson } from './canonical.js';
export { chainEvents, checkEventLog, entryHash, envelopeJson, GENESIS, type ChainCheck, type ChainProblem, type LoggedEvent } from './event-chain.js';
export { checkSeal, seal, type SealCheck } from './seal.js';
export { buildEvidence, validationDataOf, type BuiltEvidence, type EvidenceDocument, type EvidenceInput, type ValidationData } from './build.js';
export { checkEvidence, UnusableEvidenceError, type CheckOptions, type CheckStatus, type EvidenceCheck, type EvidenceResult } from './check.js';
export { DEFAULT_ZIP_LIMITS, UnreadableZipError, writeZip, ZipReader, type ZipEntryInfo, type ZipLimits, type ZipMember } from './zip.js';
