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
  /** Sybil groups: each group's miners share one share, weighted as its best member, split by score. */
  oneSharePerGroup: readonly (readonly string[])[] = [],
): { shares: Share[]; distributed: bigint; remainder: bigint } {
  const weighted = miners
    .filter((m) => PAYABLE_ACCOUNT.test(m.minerAddress) && Number.isFinite(m.emaScore) && m.emaScore > 0)
    .map((m) => ({ ...m, weight: BigInt(Math.round(m.emaScore * WEIGHT_SCALE)) }))
    .filter((m) => m.weight > 0n)
    .sort((a, b) => (a.minerAddress < b.minerAddress ? -1 : 1));
  const units = shareUnits(weighted, oneSharePerGroup);
  const total = units.reduce((sum, u) => sum + u.weight, 0n);
  const amountOf = new Map<string, bigint>();
  for (const unit of units) {
    const unitAmount = total === 0n ? 0n : (emission * unit.weight) / total;
    const membersWeight = unit.members.reduce((sum, m) => sum + m.weight, 0n);
    for (const m of unit.members) amountOf.set(m.minerAddress, (unitAmount * m.weight) / membersWeight);
  }
  const shares = weighted
    .map((m) => ({
      minerAddress: m.minerAddress,
      emaScore: m.emaScore,
      amount: amountOf.get(m.minerAddress)!,
    }))
    .filter((s) => s.amount > 0n);
  const distributed = shares.reduce((sum, s) => sum + s.amount, 0n);
  return { shares, distributed, remainder: emission - distributed };
}

type Weighted = { minerAddress: string; weight: bigint };

/** One unit per miner, except that miners of a group (groups sharing a miner merge) form one unit. */
function shareUnits<M extends Weighted>(
  weighted: readonly M[],
  groups: readonly (readonly string[])[],
): { members: M[]; weight: bigint }[] {
  const unitOf = new Map<string, number>(weighted.map((m, i) => [m.minerAddress, i]));
  for (const group of groups) {
    const present = group.filter((miner) => unitOf.has(miner));
    const target = Math.min(...present.map((miner) => unitOf.get(miner)!));
    const merged = new Set(present.map((miner) => unitOf.get(miner)!));
    for (const [miner, unit] of unitOf) if (merged.has(unit)) unitOf.set(miner, target);
  }
  const units = new Map<number, M[]>();
  for (const m of weighted) {
    const unit = unitOf.get(m.minerAddress)!;
    units.set(unit, [...(units.get(unit) ?? []), m]);
  }
  return [...units.values()].map((members) => ({
    members,
    // BigInt: no Math.max.
    weight: members.map((m) => m.weight).sort((a, b) => (a < b ? 1 : a > b ? -1 : 0))[0]!,
  }));
}
