import { HEDERA_ACCOUNT_PATTERN } from '../hedera-account.ts';

/** Miner keys that can be paid: Hedera accounts (`vm:<id>` keys of unassigned VMs are not). */
export const PAYABLE_ACCOUNT = HEDERA_ACCOUNT_PATTERN;

/** Scores carry up to this many decimals into the integer weights. */
const WEIGHT_SCALE = 1_000_000;

export interface Share {
  minerAddress: string;
  emaScore: number;
  amount: bigint;
}

/**
 * Splits `emission` in proportion to the miners' moving averages, in whole smallest units: each
 * share is rounded down, and what rounding leaves over stays with the treasury.
 */
export function splitEmission(
  emission: bigint,
  miners: readonly { minerAddress: string; emaScore: number }[],
): { shares: Share[]; distributed: bigint; remainder: bigint } {
  const weighted = miners
    .filter((m) => PAYABLE_ACCOUNT.test(m.minerAddress) && Number.isFinite(m.emaScore) && m.emaScore > 0)
    .map((m) => ({ ...m, weight: BigInt(Math.round(m.emaScore * WEIGHT_SCALE)) }))
    .filter((m) => m.weight > 0n)
    .sort((a, b) => (a.minerAddress < b.minerAddress ? -1 : 1));
  const total = weighted.reduce((sum, m) => sum + m.weight, 0n);
  const shares = weighted
    .map((m) => ({
      minerAddress: m.minerAddress,
      emaScore: m.emaScore,
      amount: total === 0n ? 0n : (emission * m.weight) / total,
    }))
    .filter((s) => s.amount > 0n);
  const distributed = shares.reduce((sum, s) => sum + s.amount, 0n);
  return { shares, distributed, remainder: emission - distributed };
}
