import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Sqlite from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.ts';

export type Database = BetterSQLite3Database<typeof schema>;
/** The handle passed to repositories: the database itself or a transaction on it. */
export type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];
export type Executor = Database | Tx;

export interface OpenDatabaseOptions {
  /** File path, or `:memory:` for tests. */
  path: string;
  busyTimeoutMs?: number;
}

export interface DatabaseHandle {
  db: Database;
  sqlite: Sqlite.Database;
  close(): void;
}

const migrationsFolder = fileURLToPath(new URL('../drizzle', import.meta.url));

/** Opens the SQLite file with WAL, synchronous=FULL, a busy timeout and foreign keys on, and applies pending migrations. */
export function openDatabase({ path, busyTimeoutMs = 5000 }: OpenDatabaseOptions): DatabaseHandle {
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true });
    // Token hashes and ledger records are nobody else's business; SQLite gives -wal/-shm the same mode.
    closeSync(openSync(path, 'a', 0o600));
    chmodSync(path, 0o600);
  }
  const sqlite = new Sqlite(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
  sqlite.pragma('foreign_keys = ON');
  // FULL: in WAL mode NORMAL may lose the last commits on power loss, such as the record of a
  // transaction id just sent to the ledger; losing it would let a rerun pay again under a new id.
  sqlite.pragma('synchronous = FULL');
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder });
  return {
    db,
    sqlite,
    close: () => {
      if (sqlite.open) sqlite.close();
    },
  };
}

/** A cheap liveness probe for health checks. */
export function pingDatabase(handle: DatabaseHandle): void {
  handle.sqlite.prepare('select 1').get();
}
