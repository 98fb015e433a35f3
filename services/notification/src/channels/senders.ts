import nodemailer, { type Transporter } from 'nodemailer';
import type { Delivery } from '../domain/delivery.js';
import type { TenantConfig } from '../domain/tenant-config.js';
import { SIGNATURE_HEADER, signatureHeader } from '../domain/webhook-signature.js';

/**
 * The network side of each channel. A send resolves when the other side accepted the message
 * and throws a SendError saying why not; what happens next (retry, dead letter) is decided by
 * the dispatcher. Errors name status codes and hosts, never message content or addresses.
 */
export class SendError extends Error {
  override name = 'SendError';
}

export interface Senders {
  send(delivery: Delivery, config: TenantConfig): Promise<void>;
  close(): void;
}

export interface SenderSettings {
  /** smtp://host:port (smtps:// for TLS); e-mail fails with a clear error when unset. */
  smtpUrl?: string;
  mailFrom: string;
  /** The LINE Messaging API's origin (a stub's in tests). */
  lineApiBaseUrl: string;
  sendTimeoutMs: number;
}

/** The domain of an address, "Name <a@b.jp>" or "a@b.jp". */
function domainOf(address: string): string {
  return /@([^>\s]+)>?\s*$/.exec(address)?.[1] ?? 'jitsuin.invalid';
}

export function createSenders(settings: SenderSettings): Senders {
  let mail: Transporter | undefined;
  const mailer = () => {
    if (!settings.smtpUrl) throw new SendError('no SMTP server is configured for the notification service (SMTP_URL)');
    mail ??= nodemailer.createTransport(settings.smtpUrl, {
      // A few connections kept open and reused: a burst of mail is not a burst of handshakes.
      pool: true,
      maxConnections: 5,
      connectionTimeout: settings.sendTimeoutMs,
      greetingTimeout: settings.sendTimeoutMs,
      socketTimeout: settings.sendTimeoutMs,
    } as never);
    return mail;
  };

  async function post(url: string, headers: Record<string, string>, body: string): Promise<void> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
        body,
        signal: AbortSignal.timeout(settings.sendTimeoutMs),
        redirect: 'manual',
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      const timedOut = (err as Error).name === 'TimeoutError';
      throw new SendError(timedOut ? `no answer from ${new URL(url).host} within ${settings.sendTimeoutMs} ms` : `cannot reach ${new URL(url).host}${cause ? ` (${cause})` : ''}`);
    }
    // The body is not needed; reading it lets the connection be reused.
    await response.arrayBuffer().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return;
    throw new SendError(`HTTP ${response.status} from ${new URL(url).host}`);
  }

  return {
    async send(delivery, config) {
      const content = delivery.content;
      switch (content.channel) {
        case 'EMAIL': {
          const from = content.from ?? settings.mailFrom;
          try {
            await mailer().sendMail({
              from,
              // One Message-ID for all retries of a delivery: a mail system that got it before
              // (a retry after a lost answer, or a crash before the attempt was recorded) can
              // drop the copy.
              ...(content.retryKey ? { messageId: `<${content.retryKey}@${domainOf(from)}>` } : {}),
              to: delivery.target,
              subject: content.subject,
              text: content.text,
              headers: { 'X-Jitsuin-Delivery-Id': delivery.id },
            });
          } catch (err) {
            if (err instanceof SendError) throw err;
            const e = err as { responseCode?: number; code?: string; message?: string };
            throw new SendError(e.responseCode ? `SMTP ${e.responseCode}` : `SMTP: ${e.code ?? e.message ?? 'failed'}`);
          }
          return;
        }
        case 'WEBHOOK': {
          const webhook = config.webhooks.find((w) => w.url === delivery.target);
          if (!webhook) throw new SendError('the tenant no longer has this webhook');
          const timestamp = Math.floor(Date.now() / 1000);
          await post(
            delivery.target,
            {
              [SIGNATURE_HEADER]: signatureHeader(content.body, timestamp, webhook.keys),
              'Jitsuin-Delivery-Id': delivery.id,
              'Jitsuin-Event-Id': delivery.eventId,
              'Jitsuin-Event-Type': delivery.eventType,
            },
            content.body,
          );
          return;
        }
        case 'LINE': {
          if (!config.line.channelAccessToken) throw new SendError('the tenant has no LINE channel access token');
          try {
            await post(
              new URL('/v2/bot/message/push', settings.lineApiBaseUrl).toString(),
              // A retry with the same key is accepted once by LINE (409 after that).
              { authorization: `Bearer ${config.line.channelAccessToken}`, 'X-Line-Retry-Key': content.retryKey },
              JSON.stringify({ to: delivery.target, messages: [{ type: 'text', text: content.text.slice(0, 5000) }] }),
            );
          } catch (err) {
            // 409: a request with this retry key was accepted before: the message went out.
            if (err instanceof SendError && err.message.startsWith('HTTP 409 ')) return;
            throw err;
          }
          return;
        }
      }
    },
    close() {
      mail?.close();
    },
  };
}
