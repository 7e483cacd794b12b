import { createScheduleRepository } from '@tensornode/db';
import { NO_ACTIVE_MINERS, runScheduledRound, type ScheduleContext } from './run-scheduled-round.ts';
import { loadSchedule } from './schedule.ts';

export type TickOutcome =
  | { kind: 'off' }
  | { kind: 'not-due'; nextRoundAt: Date }
  | { kind: 'no-miners' }
  | { kind: 'round'; roundId: string; skipped: number }
  | { kind: 'failed'; error: string; skipped: number };

const MAX_ERROR_LENGTH = 500;

/**
 * The schedule's job: when a tick is due, runs one scheduled round and moves the schedule on.
 * Rounds start on a grid (`nextRoundAt` + n × interval), so the schedule does not drift; ticks that
 * fall while a round runs are skipped and counted, never run late or alongside. The job runner's
 * lease makes this the only process running it. `nextRoundAt` is written before the round starts,
 * so after a crash the schedule resumes on its grid.
 */
export async function runScheduleTick(ctx: ScheduleContext): Promise<TickOutcome> {
  const now = () => ctx.now?.() ?? new Date();
  const repo = createScheduleRepository(ctx.db);
  const schedule = loadSchedule(ctx);
  if (!schedule.enabled) return { kind: 'off' };
  const interval = schedule.intervalSeconds * 1000;
  const startedAt = now();
  if (schedule.nextRoundAt && schedule.nextRoundAt.getTime() > startedAt.getTime())
    return { kind: 'not-due', nextRoundAt: schedule.nextRoundAt };
  // A tick more than an interval old (the process was down, or the schedule off) restarts the grid now.
  const planned =
    schedule.nextRoundAt && startedAt.getTime() - schedule.nextRoundAt.getTime() < interval
      ? schedule.nextRoundAt.getTime()
      : startedAt.getTime();
  repo.recordProgress({ nextRoundAt: new Date(planned + interval), lastRoundStartedAt: startedAt });

  let outcome: Awaited<ReturnType<typeof runScheduledRound>> | undefined;
  let error: string | null = null;
  try {
    outcome = await runScheduledRound(ctx);
  } catch (err) {
    error = (err instanceof Error ? err.message : String(err)).slice(0, MAX_ERROR_LENGTH);
    ctx.log.error({ err }, 'scheduled validation round failed');
    ctx.observer?.roundFailed?.(err);
  }
  const finishedAt = now();
  const skipped = Math.max(0, Math.floor((finishedAt.getTime() - planned) / interval));
  const latest = loadSchedule(ctx);
  // An admin who changed the interval or switched the schedule during the round has set its next tick.
  const retimed = !latest.enabled || latest.intervalSeconds !== schedule.intervalSeconds;
  repo.recordProgress({
    ...(retimed ? {} : { nextRoundAt: new Date(planned + (skipped + 1) * interval) }),
    skippedTicks: latest.skippedTicks + skipped,
    lastError: outcome?.kind === 'no-miners' ? NO_ACTIVE_MINERS : error,
    ...(outcome?.kind === 'round'
      ? { lastRoundId: outcome.round.id, lastRoundCompletedAt: outcome.round.completedAt }
      : {}),
  });
  if (skipped > 0) {
    ctx.observer?.ticksSkipped?.(skipped);
    ctx.log.warn(
      { skipped, intervalSeconds: schedule.intervalSeconds },
      'scheduled round outlasted its interval; ticks skipped',
    );
  }
  if (outcome?.kind === 'round') {
    ctx.observer?.roundStored?.(outcome.round, finishedAt.getTime() - startedAt.getTime());
    return { kind: 'round', roundId: outcome.round.id, skipped };
  }
  if (outcome?.kind === 'no-miners') return { kind: 'no-miners' };
  return { kind: 'failed', error: error ?? 'unknown error', skipped };
}
