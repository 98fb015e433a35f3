import { JitsuinError } from '@jitsuin/errors';

/** The input is not a PDF this package can read: INVALID_ARGUMENT with what is wrong. */
export const invalidPdf = (message: string): JitsuinError =>
  new JitsuinError('INVALID_ARGUMENT', `invalid PDF: ${message}`);

export const badOption = (message: string): JitsuinError =>
  new JitsuinError('INVALID_ARGUMENT', message);

export const precondition = (message: string): JitsuinError =>
  new JitsuinError('FAILED_PRECONDITION', message);

export const exhausted = (message: string): JitsuinError =>
  new JitsuinError('RESOURCE_EXHAUSTED', message);

export { JitsuinError };
