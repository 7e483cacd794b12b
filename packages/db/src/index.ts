export * from './client.ts';
export * from './repositories/local-vms.ts';
export * from './repositories/miner-scores.ts';
export * from './repositories/rounds.ts';
export * from './repositories/settings.ts';
export * from './repositories/tokens.ts';
export type { DeploymentStatus, OutboxStatus, Role } from './schema.ts';
export * as schema from './schema.ts';
export { DEPLOYMENT_STATUSES, ROLES } from './schema.ts';
