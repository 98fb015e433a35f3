/**
 * Bounds on what this package accepts, so that a hostile or broken input costs a clear error,
 * not memory. They are generous for PAdES: a B-LT signature with a long chain is tens of KiB.
 */
export const LIMITS = {
  /** One certificate. */
  certificateBytes: 64 * 1024,
  /** Certificates in one SignedData or one call (chain plus TSA chain plus responders). */
  certificates: 64,
  /** A whole CMS SignedData (the PDF package caps /Contents at 4 MiB too). */
  signedDataBytes: 4 * 1024 * 1024,
  /** A timestamp token, or a TSA reply. */
  timestampBytes: 256 * 1024,
  /** Signed attributes handed back for assembly. */
  signedAttributesBytes: 64 * 1024,
  /** Default cap on an OCSP response fetched over HTTP. */
  ocspResponseBytes: 1024 * 1024,
  /** Default cap on a CRL fetched over HTTP (a national CA's full CRL can be large). */
  crlBytes: 64 * 1024 * 1024,
  /** Default HTTP timeout for TSA, OCSP and CRL requests. */
  httpTimeoutMs: 15_000,
} as const;
