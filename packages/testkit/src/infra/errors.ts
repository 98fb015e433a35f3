/** An infrastructure problem the developer has to act on; `message` says what to do. */
export class InfraError extends Error {
  override name = 'InfraError';
}
