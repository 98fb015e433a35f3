import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PLATFORM_SERVICES, SERVICE_CLIENT_PREFIX, type PlatformService } from '@jitsuin/auth';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

/**
 * The auth service's key material for tests and `./jitsuin up`: the platform's signing key set
 * (AUTH_SIGNING_KEYS_FILE) and a key pair per platform client (AUTH_CLIENTS_FILE holds their
 * public keys). Generated fresh each time into a temporary directory; never committed.
 */

/** The client id of the platform's operator in the files written here. */
export const OPERATOR_CLIENT_ID = 'jitsuin-operator';

export type SigningAlg = 'ES256' | 'RS256';
export type ClientAlg = 'ES256' | 'RS256' | 'PS256';

export interface KeyPair {
  kid: string;
  alg: ClientAlg | SigningAlg;
  /** The private JWK (with kid, alg, use). */
  privateJwk: JWK;
  /** The public JWK (with kid, alg, use), as registered or published. */
  publicJwk: JWK;
}

/** A key pair as JWKs, its kid the key's RFC 7638 thumbprint unless one is given. */
export async function generateKeyPairJwk(alg: ClientAlg | SigningAlg, kid?: string): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'ES256' ? {} : { modulusLength: 2048 }) });
  const publicJwk = await exportJWK(publicKey);
  const id = kid ?? (await calculateJwkThumbprint(publicJwk));
  const meta = { kid: id, alg, use: 'sig' };
  return { kid: id, alg, privateJwk: { ...(await exportJWK(privateKey)), ...meta }, publicJwk: { ...publicJwk, ...meta } };
}

/** One platform client in the clients file, with the private key its owner signs assertions with. */
export interface PlatformClientKeys {
  clientId: string;
  roles: ['service'] | ['operator'];
  key: KeyPair;
  /** The private JWK as a file (AUTH_CLIENT_KEY_FILE of the service that is this client). */
  keyFile: string;
}

export interface PlatformAuthFiles {
  dir: string;
  /** AUTH_SIGNING_KEYS_FILE: the private JWK set; its first key signs. */
  signingKeysFile: string;
  /** AUTH_CLIENTS_FILE: the platform's clients and their public JWK sets. */
  clientsFile: string;
  signingKeys: KeyPair[];
  /** By client id: one per platform service (SERVICE_CLIENT_PREFIX + name) and the operator. */
  clients: Map<string, PlatformClientKeys>;
  service(name: PlatformService): PlatformClientKeys;
  operator: PlatformClientKeys;
  /** The environment that points the auth service at these files. */
  env: { AUTH_SIGNING_KEYS_FILE: string; AUTH_CLIENTS_FILE: string };
  /** Writes the signing key set again (e.g. with a new key first, for a rotation). */
  writeSigningKeys(keys: KeyPair[]): Promise<void>;
  remove(): Promise<void>;
}

/** Where the auth service's files are in `dir`, as writePlatformAuthFiles writes them. */
export function platformAuthFilesIn(dir: string) {
  return {
    dir,
    signingKeysFile: join(dir, 'signing-keys.json'),
    clientsFile: join(dir, 'clients.json'),
    /** A platform client's private JWK. */
    keyFile: (clientId: string) => join(dir, `${clientId}.key.json`),
  };
}

/** The signing keys file's content: private JWKs, the first one signs. */
export const signingKeySet = (keys: KeyPair[]) => ({ keys: keys.map((k) => k.privateJwk) });

/**
 * Writes the auth service's files into `dir` (a new temporary directory when not given). The
 * signing keys are ES256 unless `signingAlg` says otherwise; client keys are ES256.
 */
export async function writePlatformAuthFiles(options: { dir?: string; signingAlg?: SigningAlg } = {}): Promise<PlatformAuthFiles> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'jitsuin-auth-')));
  const places = platformAuthFilesIn(dir);
  const { signingKeysFile, clientsFile } = places;
  const signingKeys = [await generateKeyPairJwk(options.signingAlg ?? 'ES256')];

  const clients = new Map<string, PlatformClientKeys>();
  const client = async <R extends PlatformClientKeys['roles']>(clientId: string, roles: R) => {
    const key = await generateKeyPairJwk('ES256');
    const keyFile = places.keyFile(clientId);
    await writeFile(keyFile, JSON.stringify(key.privateJwk), { mode: 0o600 });
    const keys = { clientId, roles, key, keyFile };
    clients.set(clientId, keys);
    return keys;
  };
  for (const name of PLATFORM_SERVICES) await client(SERVICE_CLIENT_PREFIX + name, ['service']);
  const operator = await client(OPERATOR_CLIENT_ID, ['operator']);

  const writeSigningKeys = (keys: KeyPair[]) => writeFile(signingKeysFile, JSON.stringify(signingKeySet(keys), null, 2), { mode: 0o600 });
  await writeSigningKeys(signingKeys);
  const clientsJson = {
    clients: [...clients.values()].map((c) => ({ client_id: c.clientId, roles: c.roles, jwks: { keys: [c.key.publicJwk] } })),
  };
  await writeFile(clientsFile, JSON.stringify(clientsJson, null, 2));

  return {
    dir,
    signingKeysFile,
    clientsFile,
    signingKeys,
    clients,
    service: (name) => clients.get(SERVICE_CLIENT_PREFIX + name)!,
    operator,
    env: { AUTH_SIGNING_KEYS_FILE: signingKeysFile, AUTH_CLIENTS_FILE: clientsFile },
    writeSigningKeys,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
