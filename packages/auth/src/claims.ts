/**
 * What a platform access token says, and the one place that writes and reads it. The auth
 * service (services/auth) issues these tokens; every service verifies them offline against the
 * platform's JWKS (./verifier.ts) and reads the caller from them here. A request's own tenant or
 * party field is never the authority: the token is.
 *
 * A token is a JWT signed by the platform's key:
 *   iss        the platform's issuer (AUTH_ISSUER)
 *   aud        PLATFORM_AUDIENCE
 *   sub        a member id, a client id, or a platform service's client id (SERVICE_CLIENT_PREFIX + name)
 *   client_id  the OAuth client the token was issued to
 *   scope      the caller's roles, space separated (ROLES)
 *   tenant_id  the tenant the caller acts for; absent for the operator and platform services
 *   exp, iat, jti
 */

/** The audience of every platform access token (the resource the services make up). */
export const PLATFORM_AUDIENCE = 'urn:jitsuin:api';

/** A platform service's OAuth client id: `jitsuin-service-signing`, … */
export const SERVICE_CLIENT_PREFIX = 'jitsuin-service-';

/**
 * admin: settings, members, API clients; sender: create, send, void, remind contracts; auditor:
 * read contracts, reports, evidence, the access log; operator: the platform's, creates tenants
 * (no tenant); service: one of the platform's own services (no tenant; acts for the tenant an
 * event or a request names).
 */
export const ROLES = ['admin', 'sender', 'auditor', 'operator', 'service'] as const;
export type Role = (typeof ROLES)[number];

/** Roles a tenant's member or API client may hold; the others belong to the platform. */
export const TENANT_ROLES: readonly Role[] = ['admin', 'sender', 'auditor'];

export const PLATFORM_SERVICES = ['document', 'signing', 'verification', 'notification', 'gateway'] as const;
export type PlatformService = (typeof PLATFORM_SERVICES)[number];

/** Who is calling, as a verified token says. */
export interface Caller {
  /** The token's subject: member id, client id, or a service's client id. */
  subject: string;
  clientId: string;
  roles: ReadonlySet<Role>;
  /** The tenant the caller acts for; undefined for the operator and platform services. */
  tenantId?: string;
  /** Set when the caller is one of the platform's services. */
  service?: PlatformService;
  /** The token's id (for the access log). */
  tokenId: string;
  expiresAt: Date;
}

/** The claims of a token for `caller` (besides iss, aud, iat, exp, which the issuer sets). */
export function callerClaims(caller: { subject: string; clientId: string; roles: Iterable<Role>; tenantId?: string }): Record<string, unknown> {
  return {
    sub: caller.subject,
    client_id: caller.clientId,
    scope: [...caller.roles].join(' '),
    ...(caller.tenantId ? { tenant_id: caller.tenantId } : {}),
  };
}

export class InvalidClaimsError extends Error {
  override name = 'InvalidClaimsError';
}

const TENANT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The caller a verified token's payload names; throws InvalidClaimsError when it names none. */
export function callerFromClaims(payload: Record<string, unknown>): Caller {
  const { sub, client_id: clientId, scope, tenant_id: tenantId, jti, exp } = payload;
  if (typeof sub !== 'string' || sub === '') throw new InvalidClaimsError('the token names no subject');
  if (typeof clientId !== 'string' || clientId === '') throw new InvalidClaimsError('the token names no client');
  if (typeof jti !== 'string' || jti === '') throw new InvalidClaimsError('the token has no id (jti)');
  if (typeof exp !== 'number') throw new InvalidClaimsError('the token has no expiry');
  const roles = new Set<Role>();
  for (const word of typeof scope === 'string' ? scope.split(' ') : []) {
    if ((ROLES as readonly string[]).includes(word)) roles.add(word as Role);
  }
  if (roles.size === 0) throw new InvalidClaimsError('the token grants no role');
  const platformRole = roles.has('operator') || roles.has('service');
  if (platformRole) {
    if (tenantId !== undefined) throw new InvalidClaimsError('a platform token names no tenant');
    if ([...roles].some((r) => TENANT_ROLES.includes(r))) throw new InvalidClaimsError('a platform token holds no tenant role');
  } else if (typeof tenantId !== 'string' || !TENANT_ID.test(tenantId)) {
    throw new InvalidClaimsError('the token names no tenant');
  }
  let service: PlatformService | undefined;
  if (roles.has('service')) {
    const name = clientId.startsWith(SERVICE_CLIENT_PREFIX) ? clientId.slice(SERVICE_CLIENT_PREFIX.length) : '';
    if (!(PLATFORM_SERVICES as readonly string[]).includes(name)) throw new InvalidClaimsError(`client ${clientId} is not a platform service`);
    service = name as PlatformService;
  }
  return {
    subject: sub,
    clientId,
    roles,
    ...(typeof tenantId === 'string' ? { tenantId } : {}),
    ...(service ? { service } : {}),
    tokenId: jti,
    expiresAt: new Date(exp * 1000),
  };
}

/** Whether `value` has the shape of a tenant id (as a token's tenant_id must). */
export function isTenantId(value: string): boolean {
  return TENANT_ID.test(value);
}
