import { createMinerScoreRepository, type Executor, type MinerScoreRow } from '@tensornode/db';

/** `alpha·score + (1−alpha)·previous`; a miner's first round sets the average to its score. */
export function nextEma(previous: number | undefined, score: number, alpha: number): number {
  return previous === undefined ? score : alpha * score + (1 - alpha) * previous;
}

/**
 * Updates each miner's moving average, counters and history for one round. A miner with several
 * VMs in the round gets one update with the mean of their scores; it counts as answered when any
 * of them answered. `lastSeenAt` is the time of the last round that asked the miner.
 */
export function recordRoundScores(
  tx: Executor,
  round: {
    roundId: string;
    at: Date;
    alpha: number;
    answers: readonly { key: string; score: number; ok: boolean }[];
  },
): MinerScoreRow[] {
  const perMiner = new Map<string, { total: number; count: number; ok: boolean }>();
  for (const a of round.answers) {
    const m = perMiner.get(a.key) ?? { total: 0, count: 0, ok: false };
    m.total += a.score;
    m.count += 1;
    m.ok ||= a.ok;
    perMiner.set(a.key, m);
  }
  const repo = createMinerScoreRepository(tx);
  const previous = repo.findMany([...perMiner.keys()]);
  const rows: MinerScoreRow[] = [...perMiner].map(([minerAddress, m]) => {
    const prev = previous.get(minerAddress);
    const score = Math.round(m.total / m.count);
    return {
      minerAddress,
      emaScore: nextEma(prev?.emaScore, score, round.alpha),
      rounds: (prev?.rounds ?? 0) + 1,
      answered: (prev?.answered ?? 0) + (m.ok ? 1 : 0),
      lastScore: score,
      lastSeenAt: round.at,
    };
  });
  repo.upsert(rows);
  repo.insertHistory(
    rows.map((r) => ({
      minerAddress: r.minerAddress,
      roundId: round.roundId,
      score: r.lastScore,
      emaScore: r.emaScore,
      at: round.at,
    })),
  );
  return rows;
}
