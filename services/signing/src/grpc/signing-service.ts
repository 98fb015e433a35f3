import { allow, tenantOf, type Authenticator, type Caller } from '@jitsuin/auth';
import { invalidArgument } from '@jitsuin/errors';
import type { RevisionRef as RevisionRefProto } from '@jitsuin/proto/signing/v1/signing';
import { SigningServiceService, type SigningServiceServer } from '@jitsuin/proto/signing/v1/signing';
import { handlers, type Logger, type ServiceRegistration } from '@jitsuin/rpc';
import type { Signing } from '../app/signing.js';
import { certifyFromProto, levelFromProto } from '../domain/levels.js';
import { storeErrorTranslator } from '@jitsuin/store';
import { checkId, fieldLayoutsFromProto, placementFromProto, revisionRefFromProto } from './mapping.js';

export const SIGNING_SERVICE_NAME = 'jitsuin.signing.v1.SigningService';

/**
 * A tenant's senders drive signing for their contracts: a card signature their people make (the
 * signer's own way in comes with the signer journey), the seal of their organisation, timestamps
 * and extension. The tenant is the caller's, whatever the revision reference names.
 */
const SENDERS = allow('sender');

/** The revision a call names, in the caller's tenant. */
const revisionOf = (caller: Caller, ref: RevisionRefProto | undefined) =>
  revisionRefFromProto(ref && { ...ref, tenantId: tenantOf(caller, ref.tenantId) });

/** The gRPC edge of the signing service: protobuf in and out, errors to status codes once. */
export function signingService(signing: Signing, authenticate: Authenticator, logger: Logger): ServiceRegistration {
  const h = handlers({ logger, authenticate, translate: storeErrorTranslator('the signing session store') });

  const implementation: SigningServiceServer = {
    prepareSignature: h.unary('PrepareSignature', SENDERS, async (req, ctx) => {
      const prepared = await signing.prepare(
        {
          revision: revisionOf(ctx.caller, req.revision),
          partyId: checkId('party id', req.partyId),
          placement: placementFromProto(req.placement),
          level: levelFromProto(req.level),
          certify: certifyFromProto(req.certify),
          signerCertificate: Buffer.from(req.signerCertificate),
        },
        ctx,
      );
      return {
        sessionId: prepared.sessionId,
        expiresAt: prepared.expiresAt,
        digest: prepared.digest,
        digestInfo: prepared.digestInfo,
      };
    }),
    completeSignature: h.unary('CompleteSignature', SENDERS, async (req, ctx) => {
      const done = await signing.complete(
        {
          tenantId: tenantOf(ctx.caller, req.tenantId),
          sessionId: checkId('session id', req.sessionId),
          signatureValue: Buffer.from(req.signatureValue),
          certificate: Buffer.from(req.certificate),
        },
        ctx,
      );
      return { revisionId: done.revisionId, sha256: done.sha256, fieldName: done.fieldName };
    }),
    seal: h.unary('Seal', SENDERS, async (req, ctx) => {
      const done = await signing.seal(
        {
          revision: revisionOf(ctx.caller, req.revision),
          sealId: checkId('seal id', req.sealId),
          placement: placementFromProto(req.placement),
          level: levelFromProto(req.level),
          certify: certifyFromProto(req.certify),
          lock: req.lock,
          addFields: fieldLayoutsFromProto(req.addFields),
        },
        ctx,
      );
      return { revisionId: done.revisionId, sha256: done.sha256, fieldName: done.fieldName };
    }),
    addTimestamp: h.unary('AddTimestamp', SENDERS, async (req, ctx) => {
      if (req.fieldName.trim() === '') throw invalidArgument('the signature field to timestamp is required');
      return signing.addTimestamp({ revision: revisionOf(ctx.caller, req.revision), fieldName: req.fieldName.trim() }, ctx);
    }),
    extend: h.unary('Extend', SENDERS, async (req, ctx) =>
      signing.extend({ revision: revisionOf(ctx.caller, req.revision), level: levelFromProto(req.level) }, ctx),
    ),
  };

  return { name: SIGNING_SERVICE_NAME, definition: SigningServiceService, implementation };
}
