import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { isServing } from '@jitsuin/rpc';
import { SERVICE_CLIENT_PREFIX } from '@jitsuin/auth';
import { platformAuthFilesIn, writePlatformAuthFiles } from '@jitsuin/testkit/auth';
import { createTestPki, openTestPki, type TestPki } from '@jitsuin/testkit/pki';
import { bundleService } from './bundle.js';
import {
  ensureInfra,
  infraStatus,
  repoRoot,
  runDir,
  serviceKafkaEnv,
  serviceStatus,
  startService,
  stopInfra,
  stopService,
  type InfraAddresses,
  type Log,
  type ServiceSpec,
  type ServiceStatus,
} from '@jitsuin/testkit/infra';

/**
 * The platform on one machine: Kafka and FerretDB (packages/testkit/infra), a test JPKI PKI
 * with its CRL, OCSP and TSA servers (the demos' cards, the lender's and the agency's seals),
 * then every service as its own process, each started once and reused while it is healthy.
 */

/** Where the platform's test PKI lives, and the port its certificates point at. */
export const platformPkiDir = path.join(repoRoot, '.jitsuin', 'pki');
const PKI_PORT = Number(process.env.JITSUIN_PKI_PORT ?? 8070);

/**
 * The key that signs the verification service's report links (REPORT_LINK_KEY) on this machine:
 * made once, kept in .jitsuin/secrets/ (never in the repository), so links stay valid across
 * restarts. REPORT_LINK_KEY in the environment overrides it.
 */
export function platformReportLinkKey(): string {
  const file = path.join(repoRoot, '.jitsuin', 'secrets', 'report-link-key');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return readFileSync(file, 'utf8').trim();
}

/** The platform's test PKI as it is, if it fits this platform (its port, the platform's seal). */
export function currentPlatformPki(): TestPki | undefined {
  if (!existsSync(path.join(platformPkiDir, 'manifest.json'))) return undefined;
  const pki = openTestPki(platformPkiDir);
  return new URL(pki.manifest.baseUrl).port === String(PKI_PORT) && PLATFORM_SEAL in pki.manifest.seals ? pki : undefined;
}

/** The platform's test PKI, made on first use (its certificates name the port it is served on). */
export async function platformPki(log?: Log): Promise<TestPki> {
  const current = currentPlatformPki();
  if (current) return current;
  log?.(`pki: making a test JPKI PKI in ${platformPkiDir} (served at 127.0.0.1:${PKI_PORT})`);
  // One made for another port or before the platform had its own seal: the platform's to replace.
  await rm(platformPkiDir, { recursive: true, force: true });
  return createTestPki(platformPkiDir, { baseUrl: `http://127.0.0.1:${PKI_PORT}` });
}

const pkiServerBundleOf = (name = 'main') => path.join(repoRoot, '.jitsuin', 'pki-server', `${name}.mjs`);

/**
 * Where a platform process keeps its pid file and log (./jitsuin up: .jitsuin/run; tests: their
 * own), and the name of its bundle file, so that a test's build never rewrites the file a
 * running platform was started from (default `main`).
 */
export interface ProcessPlace {
  runDir: string;
  bundleName?: string;
}

/**
 * The test PKI's CRL, OCSP and TSA server as a process, on the port its certificates name.
 * ./jitsuin up runs it from .jitsuin/run; the e2e tests run one of their own (e2e/platform.ts).
 */
export function pkiServerSpec(pki: TestPki, place: ProcessPlace = { runDir }): ServiceSpec {
  const port = Number(new URL(pki.manifest.baseUrl).port);
  const bundle = pkiServerBundleOf(place.bundleName);
  return {
    name: 'pki',
    host: '127.0.0.1',
    ports: [port],
    address: pki.manifest.baseUrl,
    pidFile: path.join(place.runDir, 'pki.pid'),
    logFile: path.join(place.runDir, 'pki.log'),
    startTimeoutMs: 30_000,
    stopTimeoutMs: 10_000,
    isOurs: (cmdline) => cmdline.includes(bundle),
    prepare: async () => ({
      command: process.execPath,
      args: [await bundleService('packages/testkit/src/pki/serve-main.ts', bundle)],
      cwd: repoRoot,
      env: { ...process.env, PKI_DIR: pki.dir, PKI_PORT: String(port) },
    }),
    probe: async () => {
      const res = await fetch(`${pki.manifest.baseUrl}/health`, { signal: AbortSignal.timeout(2000) });
      if (!res.ok) throw new Error(`the test PKI answers ${res.status}`);
    },
  };
}

/** The seal the platform signs its evidence packages with (not an organisation's). */
const PLATFORM_SEAL = 'platform';

/** What the services need of the test PKI: its TSA, the seals' keys, the roots to trust. */
export function pkiEnv(pki: TestPki): Record<string, string> {
  const file = (rel: string) => path.join(pki.dir, rel);
  const organisations = Object.values(pki.manifest.seals).filter((seal) => seal.id !== PLATFORM_SEAL);
  const seals = Object.fromEntries(organisations.map((seal) => [seal.id, { p12: file(seal.p12), password: seal.password }]));
  const platform = pki.manifest.seals[PLATFORM_SEAL];
  return {
    TSA_URL: pki.manifest.urls.tsa,
    SEALS: JSON.stringify(seals),
    SIGNING_CA_CERTS: file(pki.manifest.trust.jpkiSigning),
    TRUST_ANCHORS: file(pki.manifest.trust.all),
    ...(platform ? { EVIDENCE_SEAL_P12: file(platform.p12), EVIDENCE_SEAL_PASSWORD: platform.password } : {}),
  };
}

/**
 * The platform's token issuer: its keys and its own clients' keys (a directory the auth service
 * and every service read), and the issuer URL every token names.
 */
export interface PlatformAuth {
  files: ReturnType<typeof platformAuthFilesIn>;
  issuer: string;
  /** The issuer's HTTP port (token endpoint, JWKS). */
  httpPort: number;
}

export const platformAuthDir = path.join(repoRoot, '.jitsuin', 'auth');
const AUTH_HTTP_PORT = Number(process.env.AUTH_HTTP_PORT ?? 8060);

/** The auth files in `dir`, made on first use (a new platform signing key and client keys). */
export async function platformAuth(dir = platformAuthDir, httpPort = AUTH_HTTP_PORT): Promise<PlatformAuth> {
  const files = platformAuthFilesIn(dir);
  if (!existsSync(files.clientsFile)) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writePlatformAuthFiles({ dir });
  }
  return { files, issuer: `http://127.0.0.1:${httpPort}`, httpPort };
}

/** What a service needs to know of the platform's tokens: the issuer, and its own client's key. */
export function authEnv(auth: PlatformAuth, service: string): Record<string, string> {
  if (service === 'auth') {
    return {
      AUTH_ISSUER: auth.issuer,
      AUTH_HTTP_PORT: String(auth.httpPort),
      AUTH_SIGNING_KEYS_FILE: auth.files.signingKeysFile,
      AUTH_CLIENTS_FILE: auth.files.clientsFile,
    };
  }
  return { AUTH_ISSUER: auth.issuer, AUTH_CLIENT_KEY_FILE: auth.files.keyFile(`${SERVICE_CLIENT_PREFIX}${service}`) };
}

export interface PlatformService {
  name: string;
  /** Entry point, relative to the repository root. */
  main: string;
  /** The gRPC service whose health decides readiness. */
  healthName: string;
  portEnv: string;
  defaultPort: number;
  /** Environment defaults for this service; the caller's environment overrides them. */
  envDefaults?: Record<string, string>;
  /** Secrets made or read when the service starts (not at import); the caller's environment overrides them. */
  secretEnv?: () => Record<string, string>;
}

export const SERVICES: PlatformService[] = [
  {
    // The platform's OAuth 2.0 token endpoint and JWKS (AUTH_HTTP_PORT, 8060), and its client
    // admin API: first, since every other service checks tokens against its keys.
    name: 'auth',
    main: 'services/auth/src/main.ts',
    healthName: 'jitsuin.auth.v1.AuthService',
    portEnv: 'AUTH_GRPC_PORT',
    defaultPort: 50060,
  },
  {
    name: 'document',
    main: 'services/document/src/main.ts',
    healthName: 'jitsuin.document.v1.DocumentService',
    portEnv: 'DOCUMENT_GRPC_PORT',
    defaultPort: 50051,
  },
  {
    // Without TSA_URL it signs at B-B only, and without seals (SEALS or SEAL_<ID>_P12 and
    // SEAL_<ID>_PASSWORD) Seal answers FAILED_PRECONDITION; it starts either way.
    name: 'signing',
    main: 'services/signing/src/main.ts',
    healthName: 'jitsuin.signing.v1.SigningService',
    portEnv: 'SIGNING_GRPC_PORT',
    defaultPort: 50052,
    // The platform on one machine signs with the test PKI's cards (./jitsuin pki init).
    envDefaults: {
      ALLOW_TEST_JPKI: 'true',
      DOCUMENT_SERVICE_ADDRESS: `127.0.0.1:${process.env.DOCUMENT_GRPC_PORT ?? 50051}`,
    },
  },
  {
    // Without SMTP_URL tenants cannot enable e-mail; webhooks and LINE work either way.
    name: 'notification',
    main: 'services/notification/src/main.ts',
    healthName: 'jitsuin.notification.v1.NotificationService',
    portEnv: 'NOTIFICATION_GRPC_PORT',
    defaultPort: 50053,
  },
  {
    // Validates signed PDFs and certificates; verifies each new signed revision (signature.applied).
    // Without TRUST_ANCHORS every signature is INDETERMINATE (no chain); its HTML report pages
    // listen on VERIFICATION_HTTP_PORT (8054) and open with the links GetReport makes.
    name: 'verification',
    main: 'services/verification/src/main.ts',
    healthName: 'jitsuin.verification.v1.VerificationService',
    portEnv: 'VERIFICATION_GRPC_PORT',
    defaultPort: 50054,
    envDefaults: {
      ALLOW_TEST_JPKI: 'true',
      DOCUMENT_SERVICE_ADDRESS: `127.0.0.1:${process.env.DOCUMENT_GRPC_PORT ?? 50051}`,
    },
    secretEnv: () => ({ REPORT_LINK_KEY: platformReportLinkKey() }),
  },
];


/** Beside the service's own node_modules, where the bundle finds what it leaves external. */
const bundleOf = (service: PlatformService, name = 'main') => path.join(repoRoot, 'services', service.name, `dist/${name}.mjs`);

/**
 * How to run one service of the platform somewhere else than ./jitsuin up does: its own port,
 * pid file, log and bundle file (services/<name>/dist/<bundleName>.mjs, built once, reused by
 * restarts), and environment that overrides everything else.
 */
export interface ServicePlacement extends ProcessPlace {
  port: number;
  env: Record<string, string>;
}

/** The servers a service is given: its Kafka login is its own principal's when there is one. */
export type PlatformInfra = Pick<InfraAddresses, 'kafka' | 'kafkaLogins' | 'mongoUrl'>;

export function specOf(
  service: PlatformService,
  infra?: PlatformInfra,
  pki?: TestPki,
  placement?: ServicePlacement,
  auth?: PlatformAuth,
): ServiceSpec {
  const port = placement?.port ?? Number(process.env[service.portEnv] ?? service.defaultPort);
  const address = `127.0.0.1:${port}`;
  const bundle = bundleOf(service, placement?.bundleName);
  const dir = placement?.runDir ?? runDir;
  return {
    name: service.name,
    host: '127.0.0.1',
    ports: [port],
    address,
    pidFile: path.join(dir, `${service.name}.pid`),
    logFile: path.join(dir, `${service.name}.log`),
    startTimeoutMs: 60_000,
    stopTimeoutMs: 20_000,
    isOurs: (cmdline) => cmdline.includes(bundle),
    prepare: async () => ({
      command: process.execPath,
      // No --enable-source-maps: holding the map costs the process about 33 MiB; the map
      // beside the bundle serves a debugger.
      args: [existsSync(bundle) && placement ? bundle : await bundleService(service.main, bundle)],
      cwd: repoRoot,
      env: {
        ...service.envDefaults,
        ...service.secretEnv?.(),
        ...(pki && pkiEnv(pki)),
        ...(auth && authEnv(auth, service.name)),
        ...process.env,
        [service.portEnv]: String(port),
        ...(infra && { ...serviceKafkaEnv(infra, service.name), MONGO_URL: infra.mongoUrl }),
        ...placement?.env,
      },
    }),
    probe: async () => {
      if (!(await isServing(address, service.healthName))) throw new Error(`${service.healthName} is not SERVING`);
    },
  };
}

/** Builds a service's bundle into services/<name>/dist/<name>.mjs (for specOf's placement). */
export function bundlePlatformService(service: PlatformService, name: string): Promise<string> {
  return bundleService(service.main, bundleOf(service, name));
}

/** The bundle files specOf and pkiServerSpec run for a placement's bundle name. */
export function platformBundleFiles(name: string): string[] {
  return [...SERVICES.map((s) => bundleOf(s, name)), pkiServerBundleOf(name)];
}

export async function up(log: Log): Promise<ServiceStatus[]> {
  const infra = await ensureInfra({ log });
  const fresh = currentPlatformPki() === undefined || !existsSync(platformAuthFilesIn(platformAuthDir).clientsFile);
  const pki = await platformPki(log);
  const auth = await platformAuth();
  // A new PKI or new token keys: whatever serves or uses the old ones starts again.
  if (fresh) for (const spec of [pkiServerSpec(pki), ...SERVICES.map((s) => specOf(s))]) await stopService(spec, log);
  if ((await startService(pkiServerSpec(pki), log)).reused) log('pki: already running');
  for (const service of SERVICES) {
    const { reused } = await startService(specOf(service, infra, pki, undefined, auth), log);
    if (reused) log(`${service.name}: already running`);
  }
  return status();
}

/** Services first (they finish their work and flush their outboxes), then the infrastructure. */
export async function down(log: Log): Promise<void> {
  for (const service of [...SERVICES].reverse()) await stopService(specOf(service), log);
  if (existsSync(path.join(platformPkiDir, 'manifest.json'))) await stopService(pkiServerSpec(openTestPki(platformPkiDir)), log);
  await stopInfra(log);
}

export async function status(): Promise<ServiceStatus[]> {
  const infra = await infraStatus();
  const services = await Promise.all(SERVICES.map((s) => serviceStatus(specOf(s))));
  const pki = existsSync(path.join(platformPkiDir, 'manifest.json')) ? [await serviceStatus(pkiServerSpec(openTestPki(platformPkiDir)))] : [];
  return [...infra, ...pki, ...services];
}
