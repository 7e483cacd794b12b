import { type Config, parseConfig } from '@tensornode/core';

/** The only place the API process reads `process.env`. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  return parseConfig(env);
}
