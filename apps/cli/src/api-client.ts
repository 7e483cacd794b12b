import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTensorNodeClient, type TensorNodeClient } from '@tensornode/client';
import { UnavailableError } from '@tensornode/core';
import { apiTarget, cliConfig } from './env.ts';

/**
 * The typed client for commands that go through a running API: TENSORNODE_URL / TENSORNODE_TOKEN,
 * else the local server and the admin token it wrote to DATA_DIR/admin-token on first start.
 */
export function apiClient(): TensorNodeClient {
  const config = cliConfig();
  const target = apiTarget(config);
  const token = target.token ?? readAdminToken(config.DATA_DIR);
  if (!token) {
    throw new UnavailableError(
      `no API token: set TENSORNODE_TOKEN, or run the server once so it writes ${join(config.DATA_DIR, 'admin-token')}`,
    );
  }
  return createTensorNodeClient({ url: target.url, token });
}

function readAdminToken(dataDir: string): string | undefined {
  try {
    return readFileSync(join(dataDir, 'admin-token'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
