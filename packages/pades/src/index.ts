/**
 * CMS/CAdES for PAdES, with no PDF knowledge: the PDF package hands over the ByteRange digest and
 * takes back DER. The steps are separate so that signing can stop while a card signs:
 * buildSignedAttributes → (card or server key signs the DigestInfo) → verifyRawSignature →
 * assembleSignedData → timestampSignature (B-T) → collectValidationData (B-LT, written by the PDF
 * package into the DSS) → documentTimestamp (B-LTA).
 */
export { PadesError, type PadesErrorCode } from './errors.js';
export { LIMITS } from './limits.js';
export { OID } from './oids.js';
export { type Cert, type CertificateBytes, type CertInput, isSelfSigned, issuedBy, parseCert, pemCertificates, uniqueCerts } from './certs.js';
export { verifyWithAlgorithm } from './cms-verify.js';
export {
  type Attribute,
  buildSignedAttributes,
  parseAttributes,
  sha256DigestInfo,
  type SignedAttributes,
  type SignedAttributesInput,
  signingCertificateV2Value,
} from './attributes.js';
export { verifyRawSignature } from './raw-signature.js';
export {
  addUnsignedAttributes,
  type AssembleInput,
  assembleSignedData,
  type EssCertId,
  findSignerCertificate,
  type ParsedSignedData,
  type ParsedSignerInfo,
  parseSignedData,
  type UnsignedAttributeInput,
} from './signed-data.js';
export { checkDigestInfo, KeySigner, orderChain, Pkcs12Signer, type Signer } from './signers.js';
export { type CreatedSignature, type CreateSignatureInput, createSignature } from './sign.js';
export {
  addSignatureTimestamp,
  buildTimestampRequest,
  documentTimestamp,
  probeTimestampTokenSize,
  requestTimestamp,
  type Timestamp,
  type TimestampOptions,
  type TimestampSubject,
  timestampSignature,
  tokenFromResponse,
  verifyTimestampToken,
} from './timestamps.js';
export {
  buildOcspRequest,
  checkCrl,
  checkOcspResponse,
  type CollectOptions,
  collectValidationData,
  type CrlAnswer,
  crlUrls,
  httpRevocationFetchers,
  type OcspAnswer,
  ocspUrls,
  type RevocationFetchers,
  type RevocationStatus,
  type ValidationData,
} from './validation-data.js';
export {
  estimateDocumentTimestampSize,
  estimateSignatureSize,
  type SizeEstimate,
  type SizeEstimateInput,
  UNMEASURED_TIMESTAMP_TOKEN_BYTES,
} from './estimate.js';
