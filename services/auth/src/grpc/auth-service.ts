import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import type { Caller } from '@jitsuin/auth';
import { AuthServiceService, type AuthServiceServer } from '@jitsuin/proto/auth/v1/auth';
import { handlers, type Logger, type ServiceRegistration } from '@jitsuin/rpc';
import { storeErrorTranslator } from '@jitsuin/store';
import type { ClientRegistry } from '../app/clients.js';
import { callerOf, type VerifyAccessToken } from './caller.js';
import { authMethodFromProto, clientToProto, jwksFromProto } from './mapping.js';

export const AUTH_SERVICE_NAME = 'jitsuin.auth.v1.AuthService';

/** The admin API's edge: the caller from its bearer token, protobuf in and out, errors to status once. */
export function authService(app: { clients: ClientRegistry; verify: VerifyAccessToken }, logger: Logger): ServiceRegistration {
  const h = handlers({ logger, translate: storeErrorTranslator('the auth store') });
  const authenticated =
    <Req, Res>(method: string, fn: (request: Req, caller: Caller) => Promise<Res>) =>
    (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) =>
      h.unary<Req, Res>(method, async (request) => fn(request, await callerOf(call.metadata, app.verify)))(call, callback);

  const implementation: AuthServiceServer = {
    createClient: authenticated('CreateClient', async (req, caller) => {
      const { client, secret } = await app.clients.create(caller, {
        tenantId: req.tenantId,
        name: req.name,
        roles: req.roles,
        authMethod: authMethodFromProto(req.authMethod),
        jwks: jwksFromProto(req.jwksJson),
      });
      return { client: clientToProto(client), clientSecret: secret ?? '' };
    }),
    listClients: authenticated('ListClients', async (req, caller) => ({
      clients: (await app.clients.list(caller, req.tenantId)).map(clientToProto),
    })),
    rotateClientKeys: authenticated('RotateClientKeys', async (req, caller) => {
      const { client, secret } = await app.clients.rotateKeys(caller, req.tenantId, req.clientId, {
        jwks: jwksFromProto(req.jwksJson),
        newSecret: req.newSecret,
        retireOldSecrets: req.retireOldSecrets,
      });
      return { client: clientToProto(client), clientSecret: secret ?? '' };
    }),
    disableClient: authenticated('DisableClient', async (req, caller) => ({
      client: clientToProto(await app.clients.disable(caller, req.tenantId, req.clientId)),
    })),
  };

  return { name: AUTH_SERVICE_NAME, definition: AuthServiceService, implementation };
}
