import { createHash } from 'node:crypto';

/**
 * A fair rotating sample: miners in a fixed pseudo-random order (by a hash of their id), taken
 * `size` at a time from where the last round stopped, so over rounds each is asked about equally
 * often. A miner that joins falls into its place in the order.
 */
export function rotatingSample<T extends { vmId: string }>(
  miners: readonly T[],
  size: number | null,
  cursor: number,
): { chosen: T[]; nextCursor: number } {
  if (size === null || size >= miners.length) return { chosen: [...miners], nextCursor: 0 };
  const order = miners
    .map((m) => ({ m, key: createHash('sha256').update(`sample:${m.vmId}`).digest('hex') }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((e) => e.m);
  const start = cursor % order.length;
  const chosen = Array.from({ length: size }, (_, i) => order[(start + i) % order.length]!);
  return { chosen, nextCursor: (start + size) % order.length };
}
