import {
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { Logger } from 'pino';

export interface ServiceRegistration {
  /** Fully qualified name, e.g. jitsuin.document.v1.DocumentService, as health reports it. */
  name: string;
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
}

export interface RunningServer {
  /** host:port the server listens on (the port is the bound one when 0 was asked for). */
  address: string;
  /** Mark every service SERVING (once its dependencies are ready) or NOT_SERVING. */
  setServing(serving: boolean): void;
  /** Stop taking calls, let calls in flight finish for up to graceMs, then cut the rest. */
  shutdown(graceMs: number): Promise<void>;
}

/** Upload chunks are 1 MiB; anything much larger is a client bug, not a document. */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export async function startGrpcServer(options: {
  host: string;
  port: number;
  services: ServiceRegistration[];
  logger: Logger;
}): Promise<RunningServer> {
  const server = new Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  });
  const health = new HealthImplementation({ '': 'NOT_SERVING' });
  health.addToServer(server);
  for (const service of options.services) {
    server.addService(service.definition, service.implementation);
    health.setStatus(service.name, 'NOT_SERVING');
  }
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `${options.host}:${options.port}`,
      ServerCredentials.createInsecure(),
      (err, bound) => (err ? reject(err) : resolve(bound)),
    ),
  );
  const address = `${options.host}:${port}`;
  options.logger.info({ address }, 'gRPC server listening');

  const setServing = (serving: boolean) => {
    const status = serving ? 'SERVING' : 'NOT_SERVING';
    health.setStatus('', status);
    for (const service of options.services) health.setStatus(service.name, status);
  };

  return {
    address,
    setServing,
    shutdown: (graceMs) =>
      new Promise<void>((resolve) => {
        setServing(false);
        const force = setTimeout(() => {
          options.logger.warn({ graceMs }, 'calls still in flight after the grace period; cutting them');
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
