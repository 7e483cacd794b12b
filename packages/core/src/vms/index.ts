import type { Database } from '@tensornode/db';
import type { Dispatcher } from 'undici';
import type { Config } from '../config.ts';
import type { Logger } from '../context.ts';
import { UnavailableError } from '../errors.ts';
import { createFluenceProvider } from './fluence/client.ts';
import { createLocalProvider } from './local/provider.ts';
import type { VmProvider } from './provider.ts';

export {
  canonicalFluenceVmId,
  createFluenceProvider,
  type FluenceProviderOptions,
  isFluenceVmId,
} from './fluence/client.ts';
export { isProcessAlive } from './local/process-alive.ts';
export {
  createLocalProvider,
  DEFAULT_MINER_ENTRY,
  isLocalVmId,
  type LocalProviderOptions,
  type LocalVmProvider,
} from './local/provider.ts';
export { assertUpdatesKeepSsh } from './open-ports.ts';
export * from './provider.ts';

export interface VmProviderDeps {
  db: Database;
  log: Logger;
  /** Fluence only: an undici dispatcher (proxy, connection limits). */
  dispatcher?: Dispatcher;
  /** Local only: the miner entry file and its environment (e.g. MINER_UPSTREAM_URL). */
  minerEntry?: string;
  minerEnv?: Record<string, string>;
}

/** The provider `VM_PROVIDER` names; `close()` it on shutdown (local VMs are child processes). */
export function createVmProvider(config: Config, deps: VmProviderDeps): VmProvider {
  if (config.VM_PROVIDER === 'fluence') {
    if (!config.FLUENCE_API_KEY) throw new UnavailableError('VM_PROVIDER=fluence needs FLUENCE_API_KEY');
    return createFluenceProvider({
      apiKey: config.FLUENCE_API_KEY,
      baseUrl: config.FLUENCE_API_URL,
      dispatcher: deps.dispatcher,
      log: deps.log,
    });
  }
  return createLocalProvider({
    db: deps.db,
    log: deps.log,
    minerPath: config.MINER_PATH,
    ...(deps.minerEntry ? { minerEntry: deps.minerEntry } : {}),
    ...(deps.minerEnv ? { env: deps.minerEnv } : {}),
  });
}
