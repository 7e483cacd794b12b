import { InvalidInputError } from '../errors.ts';
import type { VmProvider } from '../vms/provider.ts';

/**
 * Brings caller-supplied ids to the provider's canonical spelling and rejects ids the provider
 * could never have issued, naming the field, before any call goes out.
 */
export function canonicalVmIds(
  provider: Pick<VmProvider, 'name' | 'isValidVmId' | 'canonicalVmId'>,
  ids: readonly string[],
  field: (i: number) => string,
): string[] {
  return ids.map((id, i) => {
    const canonical = provider.canonicalVmId(id);
    if (!provider.isValidVmId(canonical)) {
      throw new InvalidInputError(field(i), `not a valid ${provider.name} VM id`);
    }
    return canonical;
  });
}

export function canonicalVmId(
  provider: Pick<VmProvider, 'name' | 'isValidVmId' | 'canonicalVmId'>,
  id: string,
  field = 'vmId',
): string {
  return canonicalVmIds(provider, [id], () => field)[0]!;
}
