import { createHmac } from 'node:crypto';
import type { WebhookKey } from './tenant-config.js';

/**
 * Webhook requests are signed with HMAC-SHA256 over `${timestamp}.${body}`, once with every
 * key the webhook holds (two while one replaces the other), in one header:
 *
 *   Jitsuin-Signature: t=1717000000,v1=2025-06:5f2b…,v1=2024-12:9ac1…
 *
 * t is the send time in Unix seconds (a receiver refuses old ones: no replaying a captured
 * request), each v1 names a key id and carries the hex HMAC made with that key's secret.
 * The receiver's side is in the README ("Receiving webhooks").
 */
export const SIGNATURE_HEADER = 'Jitsuin-Signature';

export function signatureHeader(body: string, timestampSeconds: number, keys: WebhookKey[]): string {
  const signed = `${timestampSeconds}.${body}`;
  const parts = keys.map((key) => `v1=${key.keyId}:${createHmac('sha256', key.secret).update(signed, 'utf8').digest('hex')}`);
  return [`t=${timestampSeconds}`, ...parts].join(',');
}
