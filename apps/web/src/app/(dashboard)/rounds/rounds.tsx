'use client';

import { useInfiniteQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { LoadMore } from '../../../components/fields.tsx';
import { formatDate, formatScore } from '../../../components/format.ts';
import { ErrorNote } from '../../../components/query-state.tsx';
import { useTRPC } from '../../../trpc/react.tsx';

export function Rounds() {
  const trpc = useTRPC();
  const rounds = useInfiniteQuery(
    trpc.validation.rounds.infiniteQueryOptions(
      { limit: 20 },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
  );
  const items = rounds.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <>
      <h1>Rounds</h1>
      <section className="card">
        {rounds.isPending ? <p className="loading">Loading…</p> : null}
        <ErrorNote error={rounds.error} />
        {rounds.isSuccess && items.length === 0 ? (
          <p className="empty">
            No rounds yet. <Link href="/validation">Run one</Link>.
          </p>
        ) : null}
        {items.length > 0 ? (
          <div className="table-wrap">
            <table data-testid="rounds">
              <thead>
                <tr>
                  <th>Started</th>
                  <th>Prompt</th>
                  <th>Answered</th>
                  <th>Mean score</th>
                  <th>Method</th>
                  <th>Ledger</th>
                </tr>
              </thead>
              <tbody>
                {items.map((round) => (
                  <tr key={round.id}>
                    <td>
                      <Link href={`/rounds/${round.id}`}>{formatDate(round.startedAt)}</Link>
                    </td>
                    <td>{round.prompt.length > 80 ? `${round.prompt.slice(0, 80)}…` : round.prompt}</td>
                    <td>
                      {round.answeredCount} / {round.minerCount}
                    </td>
                    <td>{formatScore(round.meanScore)}</td>
                    <td>{round.method}</td>
                    <td>
                      <span className={`status status-${round.ledgerStatus}`}>{round.ledgerStatus}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <LoadMore query={rounds} label="Older rounds" />
      </section>
    </>
  );
}
