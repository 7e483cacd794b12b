import { InvalidInputError } from '../errors.ts';
import type { VmProvider } from '../vms/provider.ts';

/** Rejects ids the provider could never have issued, naming the field, before any call goes out. */
export function assertVmIds(
  provider: VmProvider,
  ids: readonly string[],
  field: (i: number) => string,
): void {
  ids.forEach((id, i) => {
    if (!provider.isValidVmId(id)) {
      throw new InvalidInputError(field(i), `not a valid ${provider.name} VM id`);
    }
  });
}

export function assertVmId(provider: VmProvider, id: string, field = 'vmId'): void {
  assertVmIds(provider, [id], () => field);
}
