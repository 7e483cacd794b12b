import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSettingsRepository, type Database } from '@tensornode/db';
import { z } from 'zod';
import type { Config } from '../config.ts';

/** The settings key that marks this database's demo network: the marker later starts find. */
export const DEMO_NETWORK_SETTING = 'demo_network';
/** The demo miners' account keys, beside the admin token: whoever runs the demo owns its accounts. */
export const DEMO_MINER_KEYS_FILE = 'demo-miner-keys.json';

const demoMinerState = z.object({
  accountId: z.string(),
  tokenAssociated: z.boolean(),
  vmId: z.string().nullable(),
});

/** Each step is written as soon as it is done, so a start cut short resumes where it stopped. */
const demoNetworkState = z.object({
  miners: z.array(demoMinerState),
  /** Set once the miners run and the schedule is on; later starts only keep the network. */
  completedAt: z.string().nullable(),
});

export type DemoMinerState = z.infer<typeof demoMinerState>;
export type DemoNetworkState = z.infer<typeof demoNetworkState>;

export function readDemoNetworkState(db: Database): DemoNetworkState | undefined {
  const stored = createSettingsRepository(db).get(DEMO_NETWORK_SETTING);
  return stored === undefined ? undefined : demoNetworkState.parse(JSON.parse(stored));
}

export function writeDemoNetworkState(db: Database, state: DemoNetworkState): void {
  createSettingsRepository(db).set(DEMO_NETWORK_SETTING, JSON.stringify(state));
}

function keysFile(config: Pick<Config, 'DATA_DIR'>): string {
  return join(config.DATA_DIR, DEMO_MINER_KEYS_FILE);
}

/** accountId → DER private key; empty when the file is missing. */
export function readDemoMinerKeys(config: Pick<Config, 'DATA_DIR'>): Record<string, string> {
  try {
    return z.record(z.string(), z.string()).parse(JSON.parse(readFileSync(keysFile(config), 'utf8')));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}

/** Written whole (temp file, then rename) and mode 0600: a crash never leaves half a key file. */
export function writeDemoMinerKeys(config: Pick<Config, 'DATA_DIR'>, keys: Record<string, string>): void {
  mkdirSync(config.DATA_DIR, { recursive: true });
  const file = keysFile(config);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, file);
}
