import { JitsuinError } from '@jitsuin/errors';

/**
 * Bytes that are not a valid Jitsuin event. Retrying cannot fix them, so a consumer sends them
 * straight to the dead-letter topic; the kind makes it a client error at any edge.
 */
export class MalformedEventError extends JitsuinError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_ARGUMENT', message, options);
    this.name = 'MalformedEventError';
  }
}
