export {
  PLATFORM_AUDIENCE,
  PLATFORM_SERVICES,
  ROLES,
  SERVICE_CLIENT_PREFIX,
  TENANT_ROLES,
  InvalidClaimsError,
  callerClaims,
  callerFromClaims,
  isTenantId,
  type Caller,
  type PlatformService,
  type Role,
} from './claims.js';
