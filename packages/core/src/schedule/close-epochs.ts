import { createRewardRepository, createSettingsRepository } from '@tensornode/db';
import { distributeRewards, type RewardsReport } from '../rewards/distribute.ts';
import { epochOf } from '../rewards/epoch.ts';
import type { RewardsContext } from '../rewards/reward-token.ts';
import type { ScheduleObserver } from './run-scheduled-round.ts';
import { defaultAutoEpochs, loadSchedule } from './schedule.ts';

/** The first UTC day whose epoch closes itself: the day auto-closing was first seen switched on. */
export const AUTO_EPOCHS_SINCE_SETTING = 'epochs.auto_since';

const DAY_MS = 24 * 3600_000;

/** Closes one epoch (a UTC day): mints and pays it, once. Self-contained, so any job runner can call it. */
export function closeEpoch(ctx: RewardsContext, epoch: string): Promise<RewardsReport> {
  return distributeRewards(ctx, { epoch });
}

/**
 * The epochs job: after each UTC midnight, distributes every finished day not yet distributed, in
 * order, from the day auto-closing was switched on — so days missed while the server was down are
 * caught up. Nothing is paid twice: an epoch already distributed is skipped, and `distributeRewards`
 * holds its lease and compare-and-set guards for a run in progress elsewhere.
 */
export async function closeDueEpochs(
  ctx: RewardsContext & { observer?: ScheduleObserver },
): Promise<string[]> {
  const schedule = loadSchedule(ctx);
  if (!(schedule.autoEpochs ?? defaultAutoEpochs(ctx.config))) return [];
  const now = ctx.now?.() ?? new Date();
  const settings = createSettingsRepository(ctx.db);
  const since = settings.get(AUTO_EPOCHS_SINCE_SETTING);
  if (!since) {
    settings.set(AUTO_EPOCHS_SINCE_SETTING, epochOf(now));
    return [];
  }
  const today = epochOf(now);
  const rewards = createRewardRepository(ctx.db);
  const closed: string[] = [];
  for (
    let day = new Date(`${since}T00:00:00.000Z`);
    epochOf(day) < today;
    day = new Date(day.getTime() + DAY_MS)
  ) {
    const epoch = epochOf(day);
    if (rewards.findEpoch(epoch)?.status === 'distributed') continue;
    const report = await closeEpoch(ctx, epoch);
    ctx.log.info({ epoch, distributed: report.distributed }, 'reward epoch closed');
    ctx.observer?.epochDistributed?.(epoch);
    closed.push(epoch);
  }
  return closed;
}

/** The first moment after `at` when a UTC day has ended. */
export function nextUtcMidnight(at: Date): Date {
  return new Date(Math.floor(at.getTime() / DAY_MS + 1) * DAY_MS);
}
