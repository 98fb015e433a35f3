import { isTenantId, type Caller } from '@jitsuin/auth';
import { invalidArgument, permissionDenied } from '@jitsuin/errors';

/**
 * Who manages which tenant's clients: a tenant's admin its own tenant (whatever the request
 * names), the platform's operator the tenant the request names. Returns that tenant.
 */
export function managedTenant(caller: Caller, requestedTenantId: string): string {
  if (caller.roles.has('operator')) {
    if (requestedTenantId === '') throw invalidArgument('name the tenant whose clients to manage (tenant_id)');
    if (!isTenantId(requestedTenantId)) throw invalidArgument(`${JSON.stringify(requestedTenantId)} is not a tenant id (a-z, 0-9 and -, up to 63)`);
    return requestedTenantId;
  }
  if (caller.roles.has('admin') && caller.tenantId) return caller.tenantId;
  throw permissionDenied("managing API clients needs the tenant's admin role (or the platform's operator)");
}
