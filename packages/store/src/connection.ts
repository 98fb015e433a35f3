import mongoose, { type Connection } from 'mongoose';
import { JitsuinError, unavailable } from '@jitsuin/errors';

export type { Connection };

/**
 * A service's one connection to its database. Commands are not buffered while the store is
 * away: a caller gets UNAVAILABLE within the selection timeout instead of a call that hangs.
 */
export async function connectStore(url: string, options: { selectionTimeoutMs?: number } = {}): Promise<Connection> {
  const connection = mongoose.createConnection(url, {
    bufferCommands: false,
    autoIndex: false,
    serverSelectionTimeoutMS: options.selectionTimeoutMs ?? 5000,
    maxPoolSize: 20,
  });
  // The driver reconnects by itself; without a listener its 'error' events would crash us.
  connection.on('error', () => undefined);
  await connection.asPromise();
  return connection;
}

const UNREACHABLE = new Set([
  'MongoServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoTopologyClosedError',
  'MongoNotConnectedError',
  'PoolClearedError',
  'MongoPoolClearedError',
]);

/**
 * A translator for a service's handler edge: "the database is not there" becomes a typed
 * UNAVAILABLE naming the store (`what`, e.g. "the document store"); anything else passes.
 */
export function storeErrorTranslator(what: string): (err: unknown) => unknown {
  return (err) => {
    if (err instanceof JitsuinError) return err;
    const name = err instanceof Error ? err.name : '';
    if (UNREACHABLE.has(name) || (err instanceof Error && /connection .* closed|ECONNREFUSED/.test(err.message))) {
      return unavailable(`${what} is unavailable; try again shortly`, err);
    }
    return err;
  };
}
