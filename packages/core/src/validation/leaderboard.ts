import { createMinerScoreRepository } from '@tensornode/db';
import {
  type MinerSuspicion,
  type MinerSybilGroup,
  minerSuspicions,
  sybilGroupByMiner,
  sybilGroups,
} from '../audit/flags.ts';
import type { CoreContext } from '../context.ts';
import { InvalidInputError } from '../errors.ts';

export const MAX_LEADERBOARD = 1000;

export interface LeaderboardEntry {
  minerAddress: string;
  emaScore: number;
  rounds: number;
  lastScore: number;
  lastSeenAt: Date;
  /** Copy-group evidence across rounds, or null. */
  suspicion: MinerSuspicion | null;
  /** Other miners sharing this miner's wallet, or null. */
  sybilGroup: MinerSybilGroup | null;
}

/**
 * Miners by moving average, best first. Unassigned VMs appear under `vm:<vmId>` unless
 * `includeUnassigned` is false.
 */
export function leaderboard(
  ctx: Pick<CoreContext, 'db'>,
  input: { limit?: number; includeUnassigned?: boolean } = {},
): LeaderboardEntry[] {
  const limit = input.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LEADERBOARD) {
    throw new InvalidInputError('limit', `must be an integer from 1 to ${MAX_LEADERBOARD}`);
  }
  const rows = createMinerScoreRepository(ctx.db).leaderboard(limit, {
    assignedOnly: input.includeUnassigned === false,
  });
  const suspicions = minerSuspicions(
    ctx,
    rows.map((r) => r.minerAddress),
  );
  const sybil = sybilGroupByMiner(sybilGroups(ctx));
  return rows.map(({ minerAddress, emaScore, rounds, lastScore, lastSeenAt }) => ({
    minerAddress,
    emaScore,
    rounds,
    lastScore,
    lastSeenAt,
    suspicion: suspicions.get(minerAddress) ?? null,
    sybilGroup: sybil.get(minerAddress) ?? null,
  }));
}

export interface MinerScorePoint {
  roundId: string;
  score: number;
  emaScore: number;
  at: Date;
}

/** A miner's score in each round it took part in, newest first. */
export function minerScoreHistory(
  ctx: Pick<CoreContext, 'db'>,
  minerAddress: string,
  input: { limit?: number } = {},
): MinerScorePoint[] {
  const limit = input.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LEADERBOARD) {
    throw new InvalidInputError('limit', `must be an integer from 1 to ${MAX_LEADERBOARD}`);
  }
  return createMinerScoreRepository(ctx.db)
    .history(minerAddress, limit)
    .map(({ roundId, score, emaScore, at }) => ({ roundId, score, emaScore, at }));
}
