'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { RouterOutputs } from '@tensornode/client';
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { formatDate, formatScore, shortId } from '../../../components/format.ts';
import { ErrorNote, QueryState } from '../../../components/query-state.tsx';
import { RequireRole } from '../../../components/role.tsx';
import { useTRPC } from '../../../trpc/react.tsx';

type ScheduleState = RouterOutputs['schedule']['get'];

/** Seconds until `at` by the server's clock (the browser's may be off), ticking each second. */
function useCountdown(at: Date | null, serverTime: Date): number | null {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const [skew] = useState(() => serverTime.getTime() - Date.now());
  if (!at) return null;
  return Math.max(0, Math.ceil((at.getTime() - (now + skew)) / 1000));
}

export function Schedule() {
  const trpc = useTRPC();
  const schedule = useQuery(trpc.schedule.get.queryOptions(undefined, { refetchInterval: 5_000 }));
  return (
    <>
      <h1>Schedule</h1>
      <QueryState query={schedule}>{(s) => <ScheduleView s={s} />}</QueryState>
    </>
  );
}

function ScheduleView({ s }: { s: ScheduleState }) {
  const countdown = useCountdown(s.nextRoundAt, s.serverTime);
  return (
    <>
      <section className="card">
        <h2>
          State{' '}
          <span className={`status status-${s.enabled ? 'up' : 'disabled'}`} data-testid="schedule-state">
            {s.enabled ? 'on' : 'off'}
          </span>
        </h2>
        <dl>
          <dt>Every</dt>
          <dd data-testid="schedule-interval">{s.intervalSeconds} s</dd>
          <dt>Asks</dt>
          <dd>{s.sample === 'all' ? 'every active miner' : `${s.sample} miners per round, in rotation`}</dd>
          <dt>Next round</dt>
          <dd data-testid="schedule-countdown">
            {s.enabled && countdown !== null ? `in ${countdown} s (${formatDate(s.nextRoundAt)})` : '—'}
          </dd>
          <dt>Last completed</dt>
          <dd>{formatDate(s.lastRoundCompletedAt)}</dd>
          <dt>Skipped ticks</dt>
          <dd data-testid="schedule-skipped">{s.skippedTicks}</dd>
          <dt>Epochs</dt>
          <dd>{s.autoEpochs ? 'distributed after each UTC midnight' : 'distributed by hand'}</dd>
          {s.lastError ? (
            <>
              <dt>Last problem</dt>
              <dd className="error">{s.lastError}</dd>
            </>
          ) : null}
        </dl>
      </section>
      <RequireRole atLeast="admin">
        <EditSchedule s={s} />
      </RequireRole>
      <section className="card">
        <h2>Recent scheduled rounds</h2>
        {s.recentRounds.length === 0 ? (
          <p className="empty">No scheduled round yet.</p>
        ) : (
          <div className="table-wrap">
            <table data-testid="scheduled-rounds">
              <thead>
                <tr>
                  <th>Round</th>
                  <th>Question</th>
                  <th>Started</th>
                  <th>Answered</th>
                  <th>Mean</th>
                </tr>
              </thead>
              <tbody>
                {s.recentRounds.map((r) => (
                  <tr key={r.id}>
                    <td>
                      <Link href={`/rounds/${r.id}`}>{shortId(r.id)}</Link>
                    </td>
                    <td>{r.prompt}</td>
                    <td>{formatDate(r.startedAt)}</td>
                    <td>
                      {r.answeredCount}/{r.minerCount}
                    </td>
                    <td>{formatScore(r.meanScore)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

function EditSchedule({ s }: { s: ScheduleState }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [interval, setIntervalSeconds] = useState(String(s.intervalSeconds));
  const [sample, setSample] = useState(String(s.sample));
  const save = useMutation(
    trpc.schedule.set.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.schedule.get.queryKey() }),
    }),
  );
  return (
    <section className="card">
      <h2>Change</h2>
      <form
        className="form inline"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({
            intervalSeconds: Number(interval),
            sample: sample.trim() === 'all' ? 'all' : Number(sample),
          });
        }}
      >
        <label>
          Interval (seconds)
          <input
            type="number"
            min={1}
            value={interval}
            onChange={(e) => setIntervalSeconds(e.target.value)}
          />
        </label>
        <label>
          Miners per round (a number, or all)
          <input value={sample} onChange={(e) => setSample(e.target.value)} />
        </label>
        <button type="submit" disabled={save.isPending}>
          Save
        </button>
        <button
          type="button"
          className="secondary"
          disabled={save.isPending}
          onClick={() => save.mutate({ enabled: !s.enabled })}
        >
          {s.enabled ? 'Turn off' : 'Turn on'}
        </button>
        <label>
          <input
            type="checkbox"
            checked={s.autoEpochs}
            onChange={(e) => save.mutate({ autoEpochs: e.target.checked })}
          />
          Close epochs after midnight
        </label>
      </form>
      <ErrorNote error={save.error} />
    </section>
  );
}
