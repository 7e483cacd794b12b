import { InvalidInputError } from '../errors.ts';
import type { VmUpdate } from './provider.ts';

/**
 * `openPorts` replaces a VM's whole port set: a set without 22/tcp locks us out of SSH, so it is
 * refused unless the caller forces it.
 */
export function assertUpdatesKeepSsh(updates: VmUpdate[], force: boolean): void {
  if (force) return;
  updates.forEach((update, i) => {
    if (update.openPorts && !update.openPorts.some((p) => p.port === 22 && p.protocol === 'tcp')) {
      throw new InvalidInputError(
        `updates[${i}].openPorts`,
        'must keep 22/tcp open (SSH), or the update must be forced',
      );
    }
  });
}
