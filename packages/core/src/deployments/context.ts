import type { Database } from '@tensornode/db';
import type { Config } from '../config.ts';
import type { Logger } from '../context.ts';
import type { VmProvider } from '../vms/provider.ts';
import type { VmListCache } from './vm-cache.ts';

/** What the deployment verbs need: the database, the provider, and the shared VM listing cache. */
export interface DeploymentContext {
  db: Database;
  config: Config;
  log: Logger;
  provider: VmProvider;
  vmCache: VmListCache;
  now?: () => Date;
}

export const nowOf = (ctx: { now?: () => Date }): Date => (ctx.now ? ctx.now() : new Date());
