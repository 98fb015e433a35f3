export {
  checkProvenance,
  type ContractState,
  type ContractTerms,
  type PartyTerms,
  type Provenance,
  provenanceAt,
  type RevisionFacts,
  type RevisionKind,
  type RevisionPurpose,
  sealMaker,
  sealProvenance,
  signsDocument,
  withProvenance,
} from './provenance.js';
export { certificationOf, extensionOf, hasSigned, nextPlatformAct, type PlatformAct, signatureOf, signersOf } from './questions.js';
