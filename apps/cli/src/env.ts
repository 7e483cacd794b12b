import { loadConfig } from '@tensornode/api';
import type { Config } from '@tensornode/core';

/** The only place the CLI reads `process.env`. */
export function cliConfig(): Config {
  return loadConfig(process.env);
}

export function cliEnv(): Record<string, string | undefined> {
  return process.env;
}

/** Where CLI commands that go through the API find it: TENSORNODE_URL / TENSORNODE_TOKEN, else the local defaults. */
export function apiTarget(config: Config): { url: string; token: string | undefined } {
  const host = config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST;
  return {
    url: process.env.TENSORNODE_URL ?? `http://${host}:${config.PORT}`,
    token: process.env.TENSORNODE_TOKEN,
  };
}

/** True when TENSORNODE_URL names the server: then an unreachable server is an error, not a local run. */
export function apiUrlIsExplicit(): boolean {
  return process.env.TENSORNODE_URL !== undefined;
}
