/**
 * Reading a service's settings from the environment, once, at start. Each reader names the
 * variable and what it must be when the value will not do.
 */
type Env = NodeJS.ProcessEnv;

export function envInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  }
  return value;
}

export function envFlag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes)$/i.test(raw)) return true;
  if (/^(0|false|no)$/i.test(raw)) return false;
  throw new Error(`${name} must be true or false (got ${JSON.stringify(raw)})`);
}

/** KAFKA_BROKERS: host:port,host:port (the project's own broker when unset). */
export function envKafkaBrokers(env: Env): string[] {
  const brokers = (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim()).filter(Boolean);
  if (brokers.length === 0) throw new Error('KAFKA_BROKERS must name at least one broker (host:port)');
  return brokers;
}

/**
 * The service's own database: `<SERVICE>_MONGO_URL` names it whole; otherwise MONGO_URL names
 * the server and the service names the database (a service owns its data).
 */
export function envMongoUrl(env: Env, ownVariable: string, database: string): string {
  const own = env[ownVariable];
  if (own) return own;
  const url = new URL(env.MONGO_URL ?? 'mongodb://127.0.0.1:27017');
  if (url.pathname === '' || url.pathname === '/') url.pathname = `/${database}`;
  return url.toString();
}
