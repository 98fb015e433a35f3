/** Loopback servers that stand in for what a service sends to: an SMTP server, HTTP receivers. */
export { startSmtp, type ReceivedMail, type SmtpCapture } from './smtp.js';
export { startReceiver, type HttpReceiver, type ReceivedRequest } from './http.js';
