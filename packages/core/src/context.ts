import type { Database } from '@tensornode/db';
import type { Config } from './config.ts';

/** The logging surface core needs; pino loggers satisfy it. */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};

/**
 * What every core verb receives. External services sit behind small interfaces added here as
 * the areas that need them land, so tests swap transports, never logic.
 */
export interface CoreContext {
  db: Database;
  config: Config;
  log: Logger;
  now?: () => Date;
}
