import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

/** Connect-style middleware (express, or plain node:http with a next callback). */
export type HeaderMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

export interface PageSecurityOptions {
  /**
   * CSP sources of the page's own inline `<style>` elements, as `'sha256-…'` (styleHash): the
   * only styles a page may use. Never 'unsafe-inline'.
   */
  styleHashes?: string[];
  /** form-action: 'none' (no forms, the default) or 'self' (forms posting back to this origin). */
  formAction?: "'none'" | "'self'";
  /**
   * Cache-Control of every response: 'no-store' by default, since pages show people's facts and
   * their links carry tokens; a server with public static files can pass something else.
   */
  cacheControl?: string;
}

/** The CSP source for one inline `<style>` element's text (its exact bytes). */
export function styleHash(css: string): string {
  return `'sha256-${createHash('sha256').update(css, 'utf8').digest('base64')}'`;
}

/**
 * The security headers of every page and every other response (errors and 404s included), set
 * by helmet: a Content-Security-Policy that allows nothing but the given inline styles (no
 * scripts, no frames around the page, no <base>, no form posts), nosniff, no Referer (links
 * carry tokens), same-origin opener and resource policies, X-Frame-Options DENY for old
 * browsers; and Cache-Control. helmet's other defaults stay (HSTS among them: browsers ignore it
 * over plain http on loopback, and the gateway behind TLS wants it). Mount it first, so that
 * express's own answers (404s, errors) carry the headers too.
 */
export function pageSecurityHeaders(options: PageSecurityOptions = {}): HeaderMiddleware {
  const styles = options.styleHashes ?? [];
  const headers = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        styleSrc: styles.length > 0 ? styles : ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: [options.formAction ?? "'none'"],
      },
    },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: { action: 'deny' },
    xContentTypeOptions: true,
  });
  const cacheControl = options.cacheControl ?? 'no-store';
  return (req, res, next) => {
    res.setHeader('Cache-Control', cacheControl);
    headers(req, res, next);
  };
}
