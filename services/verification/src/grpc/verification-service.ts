import { allow, tenantOf, type Authenticator } from '@jitsuin/auth';
import { invalidArgument } from '@jitsuin/errors';
import {
  RevocationStatus,
  VerificationServiceService,
  type CheckCertificateResponse,
  type StoredReport as StoredReportProto,
  type VerificationServiceServer,
  type VerifyDocumentRequest,
  type VerifyDocumentResponse,
  type VerifyDocumentStart,
} from '@jitsuin/proto/verification/v1/verification';
import { handlers, type Logger, type ServiceRegistration } from '@jitsuin/rpc';
import { storeErrorTranslator } from '@jitsuin/store';
import type { VerificationReport } from '@jitsuin/verify';
import { checkId, type Verifications } from '../app/verifications.js';
import type { CertificateCheck, Verifier } from '../app/verifier.js';
import { differingFactsOf, type StoredReport } from '../domain/stored-report.js';
import { indicationToProto } from '../events/payloads.js';

export const VERIFICATION_SERVICE_NAME = 'jitsuin.verification.v1.VerificationService';

function reportResponse(report: VerificationReport): VerifyDocumentResponse {
  return {
    indication: indicationToProto(report.document.indication),
    subIndication: report.document.subIndication ?? '',
    signatureCount: report.document.signatureCount,
    reportJson: JSON.stringify(report),
  };
}

function storedToProto(r: StoredReport): StoredReportProto {
  return {
    tenantId: r.tenantId,
    contractId: r.contractId,
    documentId: r.documentId,
    revisionId: r.revisionId,
    indication: indicationToProto(r.indication),
    subIndication: r.subIndication ?? '',
    signatureCount: r.signatureCount,
    reportJson: r.reportJson,
    verifiedAt: r.verifiedAt,
    differingFacts: differingFactsOf(r),
  };
}

const STATUS: Record<CertificateCheck['status'], RevocationStatus> = {
  GOOD: RevocationStatus.REVOCATION_STATUS_GOOD,
  REVOKED: RevocationStatus.REVOCATION_STATUS_REVOKED,
  UNKNOWN: RevocationStatus.REVOCATION_STATUS_UNKNOWN,
};

function checkToProto(c: CertificateCheck): CheckCertificateResponse {
  return {
    status: STATUS[c.status],
    reason: c.reason ?? '',
    meaningJa: c.meaning?.ja ?? '',
    meaningEn: c.meaning?.en ?? '',
    meaningCode: c.meaning?.code ?? '',
    revokedAt: c.revokedAt ?? undefined,
    checkedAt: c.checkedAt,
    source: c.source ?? '',
    message: c.message,
    serial: c.serial,
    subject: c.subject,
  };
}

/** The first message: a stored revision, or an upload whose chunks follow. */
async function splitStart(requests: AsyncIterable<VerifyDocumentRequest>): Promise<{ start: VerifyDocumentStart; chunks: AsyncIterable<Buffer> }> {
  const iterator = requests[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done || first.value.part?.$case !== 'start') {
    throw invalidArgument('the first message must be the start: a stored revision, or upload followed by the PDF in chunks');
  }
  const start = first.value.part.value;
  async function* chunks(): AsyncIterable<Buffer> {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      const part = next.value.part;
      if (part?.$case !== 'chunk') throw invalidArgument('after the start, every message must be a chunk of the PDF');
      yield part.value;
    }
  }
  return { start, chunks: chunks() };
}

/** Makes the signed, expiring link to a revision's report page (http/report-links.ts). */
interface ReportLinkMaker {
  reportUrl(tenantId: string, revisionId: string): Promise<{ url: string; expiresAt: Date } | undefined>;
}

/**
 * A tenant's members verify PDFs and certificates and read their tenant's reports (they hold the
 * signers' basic-4 facts); the document service reads reports for evidence packages, the signing
 * service checks certificates.
 */
const MEMBERS = allow('sender', 'auditor', 'admin');
const CERTIFICATE_CHECKERS = allow('sender', 'auditor', 'admin', 'signing');
const REPORT_READERS = allow('sender', 'auditor', 'admin', 'document');

/** The gRPC edge of the verification service: protobuf in and out, errors to status codes once. */
export function verificationService(
  app: { verifier: Verifier; verifications: Verifications; reportLinks?: ReportLinkMaker },
  authenticate: Authenticator,
  logger: Logger,
): ServiceRegistration {
  const { verifier, verifications } = app;
  const h = handlers({ logger, authenticate, translate: storeErrorTranslator('the verification report store') });

  const implementation: VerificationServiceServer = {
    verifyDocument: h.clientStream('VerifyDocument', MEMBERS, async (requests: AsyncIterable<VerifyDocumentRequest>, ctx) => {
      const { start, chunks } = await splitStart(requests);
      const options = { ...(start.options?.at ? { at: start.options.at } : {}), offline: start.options?.offline ?? false };
      const source = start.source;
      if (source?.$case === 'stored') {
        const ref = {
          tenantId: checkId('tenant id', tenantOf(ctx.caller, source.value.tenantId)),
          documentId: checkId('document id', source.value.documentId),
          revisionId: checkId('revision id', source.value.revisionId),
        };
        // A stored revision is the whole request: nothing may follow.
        for await (const _ of chunks) throw invalidArgument('a stored revision is verified as stored: send no chunks after it');
        return reportResponse(await verifications.verifyStored(ref, options, ctx.signal));
      }
      if (source?.$case === 'upload' && source.value) {
        const cancel = () => (requests as unknown as { destroy?: () => void }).destroy?.();
        return reportResponse(await verifications.verifyUpload(chunks, options, ctx.signal, cancel));
      }
      throw invalidArgument('the start must name a stored revision (tenant, document, revision ids) or say upload');
    }),
    checkCertificate: h.unary('CheckCertificate', CERTIFICATE_CHECKERS, async (req) =>
      checkToProto(await verifier.checkCertificate(req.certificate, req.intermediates, req.at)),
    ),
    getReport: h.unary('GetReport', REPORT_READERS, async (req, ctx) => {
      const report = await verifications.getReport(tenantOf(ctx.caller, req.tenantId), req.revisionId);
      const link = await app.reportLinks?.reportUrl(report.tenantId, report.revisionId);
      return { report: storedToProto(report), reportUrl: link?.url ?? '', reportUrlExpiresAt: link?.expiresAt };
    }),
  };
  return { name: VERIFICATION_SERVICE_NAME, definition: VerificationServiceService, implementation };
}
