import type { RevocationFetchers, RevocationStatus } from '@jitsuin/pades';

export type PadesLevel = 'B-B' | 'B-T' | 'B-LT' | 'B-LTA';

/** A rectangle in PDF points, from the page's lower-left corner. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Placement {
  /**
   * An existing empty signature field to sign (its page and rectangle come from the document;
   * omit page and rect), or the name of the new field (default Signature<n>).
   */
  fieldName?: string;
  /** 1-based page of a new visible field (default 1). */
  page?: number;
  /** Rectangle of a new visible field. Absent (and no existing visible field): an invisible signature. */
  rect?: Rect;
  /** Shown under the signer's name in the appearance (e.g. 借主, 連帯保証人). */
  roleLabel?: string;
}

/** An empty signature field for a later signer, created in the same revision (e.g. with the certification). */
export interface FieldSpec {
  fieldName: string;
  /** 1-based page (default 1). */
  page?: number;
  /** Absent: an invisible field. */
  rect?: Rect;
  /**
   * The signature in this field will lock the document (/Lock with P=1: afterwards only DSS and
   * document timestamps). Set it here for the final seal of a certified document: validators
   * (pyHanko) do not accept a /Lock added to an existing field when it is signed.
   */
  lock?: boolean;
}

export interface PrepareRequest {
  placement: Placement;
  level: PadesLevel;
  /** DocMDP certification (first signature only): 1 no changes, 2 form filling and signing, 3 also annotations. */
  certify?: 1 | 2 | 3;
  /** Lock the document with this signature (FieldMDP, /Lock with PDF 2.0 /P 1). */
  lock?: boolean;
  /** DER (or PEM) of the signer's certificate. */
  signerCertificate: Buffer;
  /** DER of the chain to embed in the CMS (issuer first; the root may be included). */
  chain?: Buffer[];
  /** Written as /M and shown in the appearance (default: now). */
  signingTime?: Date;
  /** For B-T and above: the TSA is asked once for a token's size, so that the placeholder fits (otherwise 10 KiB are assumed). */
  tsaUrl?: string;
  /** Empty signature fields for later signers, created in this revision (the certifying lender lays them out). */
  addFields?: FieldSpec[];
  /** /Reason and /Location of the signature dictionary. */
  reason?: string;
  location?: string;
}

/**
 * What lies between prepare and complete: plain data (Buffers, numbers, strings) a signing
 * service can persist; pendingToJson / pendingFromJson turn it into JSON and back.
 */
export interface PendingSignature {
  fieldName: string;
  /** The incremental update with the zero-filled /Contents placeholder. */
  appended: Buffer;
  byteRange: [number, number, number, number];
  /** Offset of the '<' of /Contents in the whole file (original + appended). */
  contentsOffset: number;
  /** Bytes of DER the placeholder holds (its hex string is twice as long). */
  contentsSize: number;
  /** DER SET OF the signed attributes: what the signature covers. */
  signedAttributes: Buffer;
  /** SHA-256 of signedAttributes. */
  digest: Buffer;
  /** DER DigestInfo of digest: what a JPKI card pads and signs. */
  digestInfo: Buffer;
  level: PadesLevel;
  signerCertificate: Buffer;
  chain: Buffer[];
  /** Length of the PDF the update was prepared on. */
  baseSize: number;
  /** SHA-256 (hex) of that PDF; completeSignature refuses any other. */
  baseSha256: string;
}

export interface CompleteOptions {
  /** The TSA for the signature timestamp (B-T and above) and the document timestamp (B-LTA). */
  tsaUrl?: string;
  /** For each HTTP exchange (TSA, OCSP, CRL). */
  timeoutMs?: number;
  /** Revocation sources for B-LT / B-LTA (default: HTTP from the certificates' CRL DP and AIA URLs). */
  fetchers?: RevocationFetchers;
  /**
   * completeSignature only: the caller has already checked that the PDF's SHA-256 is
   * pending.baseSha256 (it stores revisions under their SHA-256, say), so the PDF is not hashed
   * again. Without it (the default) completeSignature hashes the PDF and the update once more and
   * refuses another base (BASE_MISMATCH) or a damaged update (PENDING_CORRUPT).
   */
  baseVerified?: boolean;
}

export interface ExtendOptions extends CompleteOptions {
  /** Fail when a certificate gets no revocation data (default true). */
  requireRevocationData?: boolean;
}

export interface SignResult {
  /** The new file as parts: the input PDF (untouched, the same Buffer) first, then the appended updates. Write them one after the other; do not join them. */
  parts: Buffer[];
}

export interface ExtendResult extends SignResult {
  /** What each piece of revocation data put into the DSS says. */
  revocation: RevocationStatus[];
  /** Sources that failed while another covered the certificate, and similar. */
  warnings: string[];
}
