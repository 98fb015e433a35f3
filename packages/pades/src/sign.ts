import { buildSignedAttributes, type SignedAttributes } from './attributes.js';
import { assembleSignedData } from './signed-data.js';
import type { Signer } from './signers.js';
import { type Timestamp, type TimestampOptions, timestampSignature } from './timestamps.js';

export interface CreateSignatureInput {
  /** SHA-256 of the signed bytes (the PDF ByteRange). */
  documentDigest: Uint8Array;
  signer: Signer;
  contentType?: string;
  /** Add a signature timestamp from this TSA (B-T). */
  timestamp?: { tsaUrl: string } & TimestampOptions;
}

export interface CreatedSignature {
  /** DER ContentInfo(SignedData), detached. */
  signedData: Buffer;
  signedAttributes: SignedAttributes;
  signatureValue: Buffer;
  timestamp?: Timestamp;
}

/**
 * The steps of a signature in one call, for signers that answer at once (seals): build the signed
 * attributes, have `signer` sign their DigestInfo, check and assemble, optionally timestamp. The
 * card flow runs the same steps with a pause between the first two (buildSignedAttributes, then
 * later assembleSignedData with what the card returned).
 */
export async function createSignature(input: CreateSignatureInput): Promise<CreatedSignature> {
  const signedAttributes = buildSignedAttributes({
    documentDigest: input.documentDigest,
    signerCertificate: input.signer.certificate,
    ...(input.contentType ? { contentType: input.contentType } : {}),
  });
  const signatureValue = await input.signer.sign(signedAttributes.digestInfo);
  const signedData = assembleSignedData({
    signedAttrsDer: signedAttributes.der,
    signatureValue,
    signerCertificate: input.signer.certificate,
    certificates: input.signer.chain,
  });
  if (!input.timestamp) return { signedData, signedAttributes, signatureValue };
  const { tsaUrl, ...options } = input.timestamp;
  const stamped = await timestampSignature(signedData, tsaUrl, options);
  return { signedData: stamped.signedData, signedAttributes, signatureValue, timestamp: stamped.timestamp };
}
