import type { CoreContext } from '../context.ts';
import type { HealthProbe } from '../health/check-health.ts';
import { NO_ACTIVE_MINERS } from './run-scheduled-round.ts';
import { loadSchedule } from './schedule.ts';

/** `3 m 12 s`, `1 h 4 m`, `45 s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  if (h > 0) return `${h} h ${m} m`;
  if (m > 0) return `${m} m ${sec} s`;
  return `${sec} s`;
}

/**
 * The watchdog: up while the last scheduled round completed within 3 × interval (counting from
 * this process's start or the last schedule change, so a fresh start is not an alarm); degraded,
 * with the reason, otherwise; disabled when the schedule is off.
 */
export function schedulerHealthProbe(ctx: CoreContext, startedAt: Date): HealthProbe {
  return () => {
    const schedule = loadSchedule(ctx);
    if (!schedule.enabled) return { status: 'disabled' };
    const now = (ctx.now?.() ?? new Date()).getTime();
    const interval = schedule.intervalSeconds * 1000;
    const completed = schedule.lastRoundCompletedAt?.getTime();
    const since = Math.max(completed ?? 0, startedAt.getTime(), schedule.updatedAt.getTime());
    const kind = `every ${formatDuration(interval)}`;
    if (now - since <= 3 * interval) return { status: 'up', kind };
    const error =
      schedule.lastError === NO_ACTIVE_MINERS
        ? NO_ACTIVE_MINERS
        : `no scheduled round completed in ${formatDuration(now - (completed ?? since))}`;
    return { status: 'degraded', kind, error };
  };
}
