import { join } from 'node:path';
import { parseEnv } from '@tensornode/env';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65_535);

/**
 * The devnet binary's settings: the only place it reads `process.env`. The names and defaults are
 * the main config's (DEVNET_PORT, DEVNET_MIRROR_PORT: 0 = any free port; the chain in
 * DATA_DIR/devnet.db), so `pnpm --filter @tensornode/devnet start` and the API's embedded devnet
 * use the same chain. DEVNET_DB_PATH overrides the file; DEVNET_HOST the listen address.
 */
export const devnetEnvSchema = z.object({
  DATA_DIR: z.string().min(1).default('./data'),
  DEVNET_DB_PATH: z.string().min(1).optional(),
  DEVNET_HOST: z.string().min(1).default('127.0.0.1'),
  DEVNET_PORT: port.default(0),
  DEVNET_MIRROR_PORT: port.default(0),
});

export interface DevnetEnv {
  dbPath: string;
  host: string;
  grpcPort: number;
  mirrorPort: number;
}

/** Parses the environment; throws an EnvError naming each bad variable. */
export function loadDevnetEnv(env: Record<string, string | undefined> = process.env): DevnetEnv {
  const e = parseEnv(devnetEnvSchema, env, 'devnet environment');
  return {
    dbPath: e.DEVNET_DB_PATH ?? join(e.DATA_DIR, 'devnet.db'),
    host: e.DEVNET_HOST,
    grpcPort: e.DEVNET_PORT,
    mirrorPort: e.DEVNET_MIRROR_PORT,
  };
}
