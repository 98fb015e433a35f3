import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { unavailable } from '@jitsuin/errors';
import { type StoredReport, VerificationServiceClient } from '@jitsuin/proto/verification/v1/verification';

/**
 * The verification service as the document service uses it: the stored report of a revision
 * (GetReport), for evidence packages. No report yet is an answer (undefined), the service away
 * is UNAVAILABLE: an evidence package is not made without the reports it should hold.
 */

function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number';
}

export interface ReportSource {
  report(tenantId: string, revisionId: string): Promise<StoredReport | undefined>;
}

export class VerificationService implements ReportSource {
  private readonly client: VerificationServiceClient;

  constructor(
    address: string,
    private readonly timeoutMs: number,
  ) {
    this.client = new VerificationServiceClient(address, credentials.createInsecure(), {
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
    });
  }

  report(tenantId: string, revisionId: string): Promise<StoredReport | undefined> {
    return new Promise((resolve, reject) => {
      this.client.getReport({ tenantId, revisionId }, new Metadata(), { deadline: Date.now() + this.timeoutMs }, (err, response) => {
        if (!err) return resolve(response?.report);
        if (isServiceError(err) && err.code === status.NOT_FOUND) return resolve(undefined);
        if (isServiceError(err) && (err.code === status.UNAVAILABLE || err.code === status.DEADLINE_EXCEEDED || err.code === status.CANCELLED)) {
          return reject(unavailable(`the verification service ${err.code === status.DEADLINE_EXCEEDED ? 'did not answer in time' : 'is unavailable'}; the evidence package needs its reports, try again shortly`, err));
        }
        reject(new Error(`the verification service failed to give the report of revision ${revisionId}: ${isServiceError(err) ? err.details || err.message : String(err)}`, { cause: err }));
      });
    });
  }

  close(): void {
    this.client.close();
  }
}
