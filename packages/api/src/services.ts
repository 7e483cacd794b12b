import { join } from 'node:path';
import {
  type AdminBootstrap,
  type Config,
  type Logger as CoreLogger,
  ensureAdminToken,
  type HealthProbe,
} from '@tensornode/core';
import { type Database, type DatabaseHandle, openDatabase, pingDatabase } from '@tensornode/db';

/**
 * Everything a request can reach, built once per process from configuration. Areas add their
 * service here (VM provider, ledger, judge…) and release it in `close`.
 */
export interface AppServices {
  config: Config;
  db: Database;
  database: DatabaseHandle;
  log: CoreLogger;
  startedAt: Date;
  adminBootstrap: AdminBootstrap;
  /** One probe per dependency; `health.check` and `GET /health` report them. */
  healthProbes: Record<string, HealthProbe>;
  close(): Promise<void>;
}

export interface CreateServicesOptions {
  config: Config;
  log: CoreLogger;
  /** Overrides the database file (tests pass `:memory:`). */
  databasePath?: string;
}

export function databaseFile(config: Pick<Config, 'DATA_DIR'>): string {
  return join(config.DATA_DIR, 'tensornode.db');
}

export async function createServices({
  config,
  log,
  databasePath,
}: CreateServicesOptions): Promise<AppServices> {
  const database = openDatabase({ path: databasePath ?? databaseFile(config) });
  const closers: (() => Promise<void> | void)[] = [() => database.close()];
  try {
    const adminBootstrap = ensureAdminToken({ db: database.db, config });
    const healthProbes: Record<string, HealthProbe> = {
      db: () => {
        pingDatabase(database);
        return { status: 'up', kind: 'sqlite' };
      },
    };
    return {
      config,
      db: database.db,
      database,
      log,
      startedAt: new Date(),
      adminBootstrap,
      healthProbes,
      async close() {
        // Last opened, first closed: workers stop before the database they write to.
        for (const close of closers.reverse()) await close();
      },
    };
  } catch (error) {
    database.close();
    throw error;
  }
}
