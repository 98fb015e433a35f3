import { allow, type Authenticator } from '@jitsuin/auth';
import { AuthServiceService, type AuthServiceServer } from '@jitsuin/proto/auth/v1/auth';
import { handlers, type Logger, type ServiceRegistration } from '@jitsuin/rpc';
import { storeErrorTranslator } from '@jitsuin/store';
import type { ClientRegistry } from '../app/clients.js';
import { authMethodFromProto, clientToProto, jwksFromProto } from './mapping.js';

export const AUTH_SERVICE_NAME = 'jitsuin.auth.v1.AuthService';

/** A tenant's admin manages its API clients; the operator those of any tenant (domain/admin.ts). */
const CLIENT_MANAGERS = allow('admin', 'operator');

/** The admin API's edge: the caller from its bearer token, protobuf in and out, errors to status once. */
export function authService(app: { clients: ClientRegistry }, authenticate: Authenticator, logger: Logger): ServiceRegistration {
  const h = handlers({ logger, authenticate, translate: storeErrorTranslator('the auth store') });

  const implementation: AuthServiceServer = {
    createClient: h.unary('CreateClient', CLIENT_MANAGERS, async (req, { caller }) => {
      const { client, secret } = await app.clients.create(caller, {
        tenantId: req.tenantId,
        name: req.name,
        roles: req.roles,
        authMethod: authMethodFromProto(req.authMethod),
        jwks: jwksFromProto(req.jwksJson),
      });
      return { client: clientToProto(client), clientSecret: secret ?? '' };
    }),
    listClients: h.unary('ListClients', CLIENT_MANAGERS, async (req, { caller }) => ({
      clients: (await app.clients.list(caller, req.tenantId)).map(clientToProto),
    })),
    rotateClientKeys: h.unary('RotateClientKeys', CLIENT_MANAGERS, async (req, { caller }) => {
      const { client, secret } = await app.clients.rotateKeys(caller, req.tenantId, req.clientId, {
        jwks: jwksFromProto(req.jwksJson),
        newSecret: req.newSecret,
        retireOldSecrets: req.retireOldSecrets,
      });
      return { client: clientToProto(client), clientSecret: secret ?? '' };
    }),
    disableClient: h.unary('DisableClient', CLIENT_MANAGERS, async (req, { caller }) => ({
      client: clientToProto(await app.clients.disable(caller, req.tenantId, req.clientId)),
    })),
  };

  return { name: AUTH_SERVICE_NAME, definition: AuthServiceService, implementation };
}
