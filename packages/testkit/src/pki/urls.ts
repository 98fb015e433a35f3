import { invalidArgument } from '@jitsuin/errors';

/** The URLs the test PKI's certificates point at, all under one base URL. */
export const pkiUrls = (base: string) => ({
  crl: (caId: string) => `${base}/crl/${caId}.crl`,
  caCert: (caId: string) => `${base}/ca/${caId}.crt`,
  ocsp: `${base}/ocsp`,
  tsa: `${base}/tsa`,
});

export function normaliseBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw invalidArgument(`base URL '${baseUrl}' is not a URL (e.g. http://127.0.0.1:8790)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidArgument(`base URL '${baseUrl}' must be http or https`);
  return url.toString().replace(/\/+$/, '');
}

export const DEFAULT_BASE_URL = 'http://127.0.0.1:8790';
