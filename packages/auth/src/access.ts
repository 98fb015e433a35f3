import { invalidArgument, notFound, permissionDenied } from '@jitsuin/errors';
import { PLATFORM_SERVICES, ROLES, type Caller, type PlatformService, type Role } from './claims.js';

/**
 * Who may call a method: roles (`sender`, `auditor`, …) and, by name, the platform's services
 * that may (`signing`, …). Written once per method at each service's edge:
 *
 *   h.unary('GetContract', allow('sender', 'auditor', 'admin', 'signing', 'verification'), …)
 */
export interface Access {
  roles: ReadonlySet<Role>;
  services: ReadonlySet<PlatformService>;
}

export function allow(...who: (Exclude<Role, 'service'> | PlatformService)[]): Access {
  const roles = new Set<Role>();
  const services = new Set<PlatformService>();
  for (const w of who) {
    if ((PLATFORM_SERVICES as readonly string[]).includes(w)) services.add(w as PlatformService);
    else if ((ROLES as readonly string[]).includes(w)) roles.add(w as Role);
  }
  return { roles, services };
}

export function isAllowed(caller: Caller, access: Access): boolean {
  if (caller.service) return access.services.has(caller.service);
  return [...caller.roles].some((role) => access.roles.has(role));
}

/** PERMISSION_DENIED naming the roles that may, unless the caller holds one of them. */
export function authorize(caller: Caller, access: Access, what: string): void {
  if (isAllowed(caller, access)) return;
  const may = [...access.roles].join(', ') || 'no member or API client';
  throw permissionDenied(`${what} needs one of the roles ${may}; this caller has ${[...caller.roles].join(', ')}`);
}

/**
 * The tenant a call acts for. A tenant's member or client acts for its own tenant only: a request
 * naming another is answered as if nothing of that tenant existed. The operator and platform
 * services act across tenants and must name one.
 */
export function tenantOf(caller: Caller, requested: string | undefined): string {
  const named = requested?.trim() || undefined;
  if (caller.tenantId) {
    if (named !== undefined && named !== caller.tenantId) throw notFound(`tenant ${named} has nothing this caller may see`);
    return caller.tenantId;
  }
  if (!named) throw invalidArgument('tenant_id is required: this caller acts for no tenant of its own');
  return named;
}
