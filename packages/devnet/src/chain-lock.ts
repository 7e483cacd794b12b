import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Another live process runs a devnet on this chain file. */
export class DevnetInUseError extends Error {
  override name = 'DevnetInUseError';
  readonly code = 'DEVNET_IN_USE';
  constructor(
    readonly dbPath: string,
    readonly ownerPid: number,
  ) {
    super(`the devnet chain ${dbPath} is in use by process ${ownerPid}`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `<dbPath>.lock` (holding our pid) so one process at a time runs a devnet on a chain: two
 * would hand out overlapping consensus timestamps. A lock left by a dead process is taken over.
 * Returns the release function.
 */
export function lockChain(dbPath: string): () => void {
  const lockPath = `${dbPath}.lock`;
  mkdirSync(dirname(lockPath), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        rmSync(lockPath, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 2) throw error;
    }
    let owner = Number.NaN;
    try {
      owner = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
    } catch {
      // Removed meanwhile: try again.
    }
    if (Number.isInteger(owner) && owner > 0 && alive(owner)) throw new DevnetInUseError(dbPath, owner);
    rmSync(lockPath, { force: true });
  }
}
