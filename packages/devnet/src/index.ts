export { DevnetInUseError } from './chain-lock.ts';
export { type Devnet, type DevnetAccount, type DevnetOptions, startDevnet } from './devnet.ts';
export type { Fault, FaultMode } from './faults.ts';
export { nextRunningHash, RUNNING_HASH_VERSION, type RunningHashInput } from './running-hash.ts';
