import { readFile } from 'node:fs/promises';
import type { JpkiIssuerEndpoints } from './revocation.js';

/**
 * The JPKI revocation endpoints as a service is configured with them (JPKI_REVOCATION): one
 * entry per JPKI root generation, the root as a PEM file. Read the same way by every service that
 * asks about JPKI certificates (verification, and signing at PrepareSignature).
 */
export interface JpkiEndpointSetting {
  /** PEM file of the JPKI root (one generation) these endpoints answer for. */
  issuer: string;
  ocsp?: string;
  crl?: string;
}

/** An optional http(s) URL setting: undefined when empty, an error naming `name` when not a URL. */
export function optionalUrl(name: string, raw: unknown): string | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string') throw new Error(`${name} must be an http(s) URL`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${name} must be an http(s) URL (got ${JSON.stringify(raw)})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${name} must be an http(s) URL`);
  return url.toString();
}

/**
 * `name` (JPKI_REVOCATION): JSON list of `{"issuer": "/path/root.pem", "ocsp": "http://...", "crl": "http://..."}`,
 * one per JPKI root generation (the source matches a certificate's issuer by key, not by name).
 */
export function parseJpkiEndpoints(raw: string | undefined, name = 'JPKI_REVOCATION'): JpkiEndpointSetting[] {
  if (raw === undefined || raw.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error(`${name} must be JSON: [{"issuer": "<PEM file of the root>", "ocsp": "<URL>", "crl": "<URL>"}]`);
  }
  if (!Array.isArray(parsed)) throw new Error(`${name} must be a JSON list of {"issuer", "ocsp", "crl"}`);
  return parsed.map((entry: unknown, i) => {
    const e = entry as { issuer?: unknown; ocsp?: unknown; crl?: unknown } | null;
    if (typeof e?.issuer !== 'string' || e.issuer === '') throw new Error(`${name}[${i}] needs "issuer": the PEM file of the JPKI root`);
    const ocsp = optionalUrl(`${name}[${i}].ocsp`, e.ocsp);
    const crl = optionalUrl(`${name}[${i}].crl`, e.crl);
    if (!ocsp && !crl) throw new Error(`${name}[${i}] needs "ocsp" or "crl" (or both)`);
    return { issuer: e.issuer, ...(ocsp ? { ocsp } : {}), ...(crl ? { crl } : {}) };
  });
}

/** The endpoints with their issuers read (once, at start), for jpkiRevocationSource. */
export async function loadJpkiEndpoints(settings: readonly JpkiEndpointSetting[], name = 'JPKI_REVOCATION'): Promise<(JpkiIssuerEndpoints & { issuer: string })[]> {
  return Promise.all(
    settings.map(async (e) => ({
      issuer: await readFile(e.issuer, 'utf8').catch(() => {
        throw new Error(`${name}: the issuer file ${e.issuer} cannot be read`);
      }),
      ...(e.ocsp ? { ocspUrl: e.ocsp } : {}),
      ...(e.crl ? { crlUrl: e.crl } : {}),
    })),
  );
}
