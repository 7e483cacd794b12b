'use client';

import { useQueries, useQuery } from '@tanstack/react-query';
import { SuspicionBadge, SybilGroupBadge } from '../../../components/flags.tsx';
import { formatDate, formatScore } from '../../../components/format.ts';
import { LineChart } from '../../../components/line-chart.tsx';
import { QueryState } from '../../../components/query-state.tsx';
import { useTRPC } from '../../../trpc/react.tsx';

const CHARTED = 8;

export function Leaderboard() {
  const trpc = useTRPC();
  const board = useQuery(
    trpc.miners.leaderboard.queryOptions(
      { limit: 100, includeUnassigned: true },
      { refetchInterval: 15_000 },
    ),
  );
  const charted = (board.data ?? []).slice(0, CHARTED);
  const histories = useQueries({
    queries: charted.map((miner) => trpc.miners.history.queryOptions({ minerAddress: miner.minerAddress })),
  });
  const series = charted.map((miner, i) => ({
    label: miner.minerAddress,
    points: (histories[i]?.data ?? []).map((point) => ({ at: point.at, value: point.emaScore })),
  }));
  const historyError = histories.find((h) => h.isError)?.error;

  return (
    <>
      <h1>Leaderboard</h1>
      <QueryState query={board} isEmpty={(list) => list.length === 0} empty="No miner has been scored yet.">
        {(list) => (
          <>
            <section className="card">
              <h2>Moving average over time (top {Math.min(CHARTED, list.length)})</h2>
              {historyError ? (
                <p role="alert" className="error">
                  {historyError.message}
                </p>
              ) : histories.some((h) => h.isPending) ? (
                <p className="loading">Loading…</p>
              ) : (
                <LineChart series={series} title="Score moving average per miner" />
              )}
            </section>
            <section className="card">
              <div className="table-wrap">
                <table data-testid="leaderboard">
                  <thead>
                    <tr>
                      <th>#</th>
                      <th>Miner</th>
                      <th>EMA</th>
                      <th>Last score</th>
                      <th>Rounds</th>
                      <th>Last seen</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((miner, index) => (
                      <tr key={miner.minerAddress}>
                        <td>{index + 1}</td>
                        <td>
                          {miner.minerAddress}
                          <SuspicionBadge suspicion={miner.suspicion} />
                          <SybilGroupBadge group={miner.sybilGroup} />
                        </td>
                        <td>
                          <strong>{formatScore(miner.emaScore)}</strong>
                        </td>
                        <td>{miner.lastScore}</td>
                        <td>{miner.rounds}</td>
                        <td className="nowrap">{formatDate(miner.lastSeenAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </section>
          </>
        )}
      </QueryState>
    </>
  );
}
