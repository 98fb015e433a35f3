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
export { allow, authorize, isAllowed, tenantOf, type Access } from './access.js';
export { authenticator, type Authenticator } from './grpc.js';
export { AUTHORIZATION, bearerInterceptor, bearerOf, clientCredentialsTokens, fixedToken, type TokenSource } from './tokens.js';
export { TokenVerifier, type VerifierSettings } from './verifier.js';
export { accessSettingsFromEnv, openAccess, type AccessSettings } from './settings.js';
