export {
  authenticateBearer,
  authenticateToken,
  type Principal,
  ROLE_RANK,
  roleAtLeast,
} from './authenticate.ts';
export { type AdminBootstrap, ensureAdminToken } from './bootstrap-admin.ts';
export { type CreatedToken, createApiToken } from './create-token.ts';
export { revokeApiToken } from './revoke-token.ts';
export {
  authenticateSession,
  type CreatedSession,
  createSession,
  isSessionSecret,
  revokeSession,
} from './sessions.ts';
export { hashTokenSecret } from './token-secret.ts';
