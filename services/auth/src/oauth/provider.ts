import { PLATFORM_AUDIENCE, ROLES, callerClaims, type Role } from '@jitsuin/auth';
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { ClientRegistry } from '../app/clients.js';
import { AUTH_METHODS, secretMatches } from '../domain/clients.js';
import { CLIENT_ASSERTION_ALGS, type SigningKeys } from '../domain/jwks.js';
import type { OidcRecordRepository } from '../store/oidc-records.js';
import { SECRET_HASHES_METADATA, TENANT_METADATA, storeAdapter } from './adapter.js';

export interface ProviderSettings {
  issuer: string;
  accessTokenTtlSeconds: number;
  signingKeys: SigningKeys;
  /** Behind a TLS-terminating proxy: take the scheme and host from X-Forwarded-*. */
  trustProxy: boolean;
}

/**
 * The roles a token request gets: the client's registered roles, or fewer when it asks for
 * fewer in `scope`. Asking for a role the client does not hold, or for anything that is not a
 * role, is refused (invalid_scope) rather than quietly dropped.
 */
function grantedRoles(ctx: KoaContextWithOIDC, registered: readonly string[]): string[] {
  const asked = ctx.oidc.params?.scope;
  if (typeof asked !== 'string' || asked.trim() === '') return [...registered];
  const roles = [...new Set(asked.split(' ').filter(Boolean))];
  for (const role of roles) {
    if (!registered.includes(role)) throw new errors.InvalidScope('requested scope is not allowed for this client', role);
  }
  return roles;
}

/**
 * The OAuth 2.0 authorization server: the client credentials grant with private_key_jwt or a
 * secret, JWT access tokens for the platform (PLATFORM_AUDIENCE) carrying callerClaims, the
 * JWKS and discovery. No interactive flows: the platform's clients are systems.
 */
export function createProvider(settings: ProviderSettings, registry: ClientRegistry, records: OidcRecordRepository): Provider {
  const { signingKeys } = settings;
  const configuration: Configuration = {
    adapter: storeAdapter(records, registry),
    jwks: { keys: signingKeys.privateKeys as NonNullable<Configuration['jwks']>['keys'] },
    clientAuthMethods: [...AUTH_METHODS],
    enabledJWA: {
      clientAuthSigningAlgValues: [...CLIENT_ASSERTION_ALGS],
      idTokenSigningAlgValues: [signingKeys.signingAlg],
    },
    clientDefaults: { id_token_signed_response_alg: signingKeys.signingAlg, grant_types: ['client_credentials'], response_types: [] },
    responseTypes: ['none'],
    scopes: [...ROLES],
    claims: {},
    extraClientMetadata: { properties: [TENANT_METADATA, SECRET_HASHES_METADATA] },
    features: {
      // Its login pages are a development stand-in; the platform's clients never log in.
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: false },
      revocation: { enabled: false },
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => PLATFORM_AUDIENCE,
        getResourceServerInfo: (ctx, resource, client) => {
          if (resource !== PLATFORM_AUDIENCE) throw new errors.InvalidTarget(`the only resource is ${PLATFORM_AUDIENCE}`);
          const roles = grantedRoles(ctx, (client.scope ?? '').split(' ').filter(Boolean));
          // The token's scope is what was asked for, filtered by the resource's scope: with
          // nothing asked for, the client's roles are asked for.
          ctx.oidc.params!.scope = roles.join(' ');
          return {
            audience: PLATFORM_AUDIENCE,
            scope: roles.join(' '),
            accessTokenTTL: settings.accessTokenTtlSeconds,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: signingKeys.signingAlg, kid: signingKeys.signingKid } },
          };
        },
      },
    },
    formats: {
      customizers: {
        // The claims are @jitsuin/auth's, written last so that issuer and verifiers share them.
        jwt: (_ctx, token, jwt) => {
          const client = token.client!;
          const tenantId = (client as unknown as Record<string, unknown>)[TENANT_METADATA];
          Object.assign(
            jwt.payload,
            callerClaims({
              subject: client.clientId,
              clientId: client.clientId,
              roles: (token.scope ?? '').split(' ').filter(Boolean) as Role[],
              ...(typeof tenantId === 'string' ? { tenantId } : {}),
            }),
          );
        },
      },
    },
    ttl: { ClientCredentials: settings.accessTokenTtlSeconds },
    renderError: (ctx, out) => {
      ctx.type = 'json';
      ctx.body = out;
    },
  };
  const provider = new Provider(settings.issuer, configuration);
  provider.proxy = settings.trustProxy;

  // A secret client's client_secret is the hash of its newest secret: compare the presented
  // secret's hash with every valid one (two during a rotation). This Client class is this
  // provider's own; other providers are untouched.
  provider.Client.prototype.compareClientSecret = function compareClientSecret(this: Record<string, unknown>, actual: string) {
    const hashes = this[SECRET_HASHES_METADATA];
    return Array.isArray(hashes) && secretMatches(hashes as string[], actual);
  };
  return provider;
}
