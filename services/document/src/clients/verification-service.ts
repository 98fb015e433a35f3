import { credentials } from '@grpc/grpc-js';
import { bearerInterceptor, type TokenSource } from '@jitsuin/auth';
import { failedPrecondition, JitsuinError } from '@jitsuin/errors';
import { type StoredReport, VerificationServiceClient } from '@jitsuin/proto/verification/v1/verification';
import { callUnary, fromDownstream } from '@jitsuin/rpc';

/**
 * The verification service as the document service uses it: the stored report of a revision
 * (GetReport), for evidence packages. No report yet is an answer (undefined), the service away
 * is UNAVAILABLE: an evidence package is not made without the reports it should hold.
 */

export interface ReportSource {
  report(tenantId: string, revisionId: string): Promise<StoredReport | undefined>;
}

export class VerificationService implements ReportSource {
  private readonly client: VerificationServiceClient;

  constructor(
    address: string,
    private readonly timeoutMs: number,
    /** The document service's own tokens: it reads reports for callers it has already authorised. */
    tokens: TokenSource | undefined,
  ) {
    tokens ??= { token: () => Promise.reject(failedPrecondition('this document service has no client of its own (AUTH_CLIENT_KEY_FILE) to read verification reports with')) };
    this.client = new VerificationServiceClient(address, credentials.createInsecure(), {
      interceptors: [bearerInterceptor(tokens)],
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
    });
  }

  async report(tenantId: string, revisionId: string): Promise<StoredReport | undefined> {
    try {
      return (await callUnary(this.client.getReport.bind(this.client), { tenantId, revisionId }, { deadlineMs: this.timeoutMs })).report;
    } catch (err) {
      const error = fromDownstream(err, 'the verification service');
      if (error instanceof JitsuinError && error.kind === 'NOT_FOUND') return undefined;
      throw error;
    }
  }

  close(): void {
    this.client.close();
  }
}
