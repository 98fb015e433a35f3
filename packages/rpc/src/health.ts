import { credentials, makeClientConstructor, type Client, type ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

const HealthClient = makeClientConstructor(healthService as never, 'grpc.health.v1.Health');

type CheckMethod = (
  request: { service: string },
  options: { deadline: number },
  callback: (error: ServiceError | null, response: { status: string | number }) => void,
) => void;

/** Whether the server at `address` reports `service` as SERVING (the standard health check). */
export async function isServing(address: string, service: string, deadlineMs = 2000): Promise<boolean> {
  const client = new HealthClient(address, credentials.createInsecure()) as unknown as Client & { check: CheckMethod };
  try {
    const response = await new Promise<{ status: string | number }>((resolve, reject) =>
      client.check({ service }, { deadline: Date.now() + deadlineMs }, (err, res) => (err ? reject(err) : resolve(res))),
    );
    return response.status === 'SERVING' || response.status === 1;
  } catch {
    return false;
  } finally {
    client.close();
  }
}
