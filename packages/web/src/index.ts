/**
 * What every HTML page of the platform shares, without a server: the security headers, signed
 * expiring links and the error page (the verification service's report pages; the gateway's).
 */
export { pageSecurityHeaders, styleHash, type HeaderMiddleware, type PageSecurityOptions } from './headers.js';
export { linkKey, LinkRefused, MIN_LINK_KEY_BYTES, signedLink, verifyLink, type LinkClaims, type LinkKeys, type LinkRefusal } from './links.js';
export { errorPageHtml, INTERNAL_ERROR, LINK_REFUSED, NOT_FOUND, type PageMessage } from './error-page.js';
