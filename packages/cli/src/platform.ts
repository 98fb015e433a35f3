import path from 'node:path';
import { isServing } from '@jitsuin/rpc';
import { bundleService } from './bundle.js';
import {
  ensureInfra,
  infraStatus,
  repoRoot,
  runDir,
  serviceStatus,
  startService,
  stopInfra,
  stopService,
  type Log,
  type ServiceSpec,
  type ServiceStatus,
} from '@jitsuin/testkit/infra';

/**
 * The platform on one machine: Kafka and FerretDB (packages/testkit/infra), then every
 * service as its own process, each started once and reused while it is healthy.
 */

interface PlatformService {
  name: string;
  /** Entry point, relative to the repository root. */
  main: string;
  /** The gRPC service whose health decides readiness. */
  healthName: string;
  portEnv: string;
  defaultPort: number;
  /** Environment defaults for this service; the caller's environment overrides them. */
  envDefaults?: Record<string, string>;
}

const SERVICES: PlatformService[] = [
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
    // listen on VERIFICATION_HTTP_PORT (8054).
    name: 'verification',
    main: 'services/verification/src/main.ts',
    healthName: 'jitsuin.verification.v1.VerificationService',
    portEnv: 'VERIFICATION_GRPC_PORT',
    defaultPort: 50054,
    envDefaults: {
      ALLOW_TEST_JPKI: 'true',
      DOCUMENT_SERVICE_ADDRESS: `127.0.0.1:${process.env.DOCUMENT_GRPC_PORT ?? 50051}`,
    },
  },
];


/** Beside the service's own node_modules, where the bundle finds what it leaves external. */
const bundleOf = (service: PlatformService) => path.join(repoRoot, 'services', service.name, 'dist/main.mjs');

function specOf(service: PlatformService, infra?: { kafkaBrokers: string[]; mongoUrl: string }): ServiceSpec {
  const port = Number(process.env[service.portEnv] ?? service.defaultPort);
  const address = `127.0.0.1:${port}`;
  return {
    name: service.name,
    host: '127.0.0.1',
    ports: [port],
    address,
    pidFile: path.join(runDir, `${service.name}.pid`),
    logFile: path.join(runDir, `${service.name}.log`),
    startTimeoutMs: 60_000,
    stopTimeoutMs: 20_000,
    isOurs: (cmdline) => cmdline.includes(bundleOf(service)),
    prepare: async () => ({
      command: process.execPath,
      // No --enable-source-maps: holding the map costs the process about 33 MiB; the map
      // beside the bundle serves a debugger.
      args: [await bundleService(service.main, bundleOf(service))],
      cwd: repoRoot,
      env: {
        ...service.envDefaults,
        ...process.env,
        [service.portEnv]: String(port),
        ...(infra && { KAFKA_BROKERS: infra.kafkaBrokers.join(','), MONGO_URL: infra.mongoUrl }),
      },
    }),
    probe: async () => {
      if (!(await isServing(address, service.healthName))) throw new Error(`${service.healthName} is not SERVING`);
    },
  };
}

export async function up(log: Log): Promise<ServiceStatus[]> {
  const infra = await ensureInfra({ log });
  for (const service of SERVICES) {
    const { reused } = await startService(specOf(service, infra), log);
    if (reused) log(`${service.name}: already running`);
  }
  return status();
}

/** Services first (they finish their work and flush their outboxes), then the infrastructure. */
export async function down(log: Log): Promise<void> {
  for (const service of [...SERVICES].reverse()) await stopService(specOf(service), log);
  await stopInfra(log);
}

export async function status(): Promise<ServiceStatus[]> {
  const infra = await infraStatus();
  const services = await Promise.all(SERVICES.map((s) => serviceStatus(specOf(s))));
  return [...infra, ...services];
}
