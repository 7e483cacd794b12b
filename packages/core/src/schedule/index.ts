import type { JobRunner } from '../jobs/runner.ts';
import type { RewardsContext } from '../rewards/reward-token.ts';
import { closeDueEpochs, nextUtcMidnight } from './close-epochs.ts';
import type { ScheduleContext } from './run-scheduled-round.ts';
import { loadSchedule } from './schedule.ts';
import { runScheduleTick } from './schedule-tick.ts';

export { AUTO_EPOCHS_SINCE_SETTING, closeDueEpochs, closeEpoch, nextUtcMidnight } from './close-epochs.ts';
export {
  NO_ACTIVE_MINERS,
  runScheduledRound,
  type ScheduleContext,
  type ScheduledRoundOutcome,
  type ScheduleObserver,
} from './run-scheduled-round.ts';
export { rotatingSample } from './sample-miners.ts';
export {
  defaultAutoEpochs,
  getSchedule,
  loadSchedule,
  MAX_INTERVAL_SECONDS,
  type ScheduleUpdate,
  type ScheduleView,
  setSchedule,
} from './schedule.ts';
export { runScheduleTick, type TickOutcome } from './schedule-tick.ts';
export { formatDuration, schedulerHealthProbe } from './scheduler-health.ts';

export const SCHEDULE_JOB = 'validation-schedule';
export const EPOCHS_JOB = 'reward-epochs';
/** How often a sleeping schedule looks again, so edits made by another process are seen. */
const SCHEDULE_IDLE_MS = 5_000;

/**
 * The schedule and the epoch closer as jobs on the runner: its lease makes one process per
 * database run each. The schedule's job wakes at the next tick; the epochs job after each UTC midnight.
 */
export function registerScheduleJobs(
  runner: JobRunner,
  ctx: ScheduleContext,
  rewards: (() => RewardsContext | null) | null,
): void {
  runner.register(SCHEDULE_JOB, 50, () => runScheduleTick(ctx), {
    nextRunAt: () => {
      const schedule = loadSchedule(ctx);
      return schedule.enabled ? (schedule.nextRoundAt ?? new Date(0)) : null;
    },
    maxIdleMs: SCHEDULE_IDLE_MS,
  });
  if (!rewards) return;
  runner.register(
    EPOCHS_JOB,
    60_000,
    async () => {
      const rewardsCtx = rewards();
      if (rewardsCtx) await closeDueEpochs({ ...rewardsCtx, observer: ctx.observer });
    },
    {
      nextRunAt: () => new Date(nextUtcMidnight(ctx.now?.() ?? new Date()).getTime() + 1000),
      maxIdleMs: 3600_000,
    },
  );
}
