import { createScheduleRepository, type ScheduleRow, type ScheduleSettings, schema } from '@tensornode/db';
import type { CoreContext } from '../context.ts';
import { InvalidInputError } from '../errors.ts';
import type { ScoringMethod } from '../scoring/index.ts';

/** The schedule as callers see it: settings, and where it stands. */
export interface ScheduleView {
  enabled: boolean;
  intervalSeconds: number;
  /** `all` asks every active miner; a number asks a rotating sample of that many. */
  sample: 'all' | number;
  timeoutMs: number | null;
  method: ScoringMethod;
  /** Whether each UTC day's epoch is distributed after midnight (the setting, or the network's default). */
  autoEpochs: boolean;
  nextRoundAt: Date | null;
  lastRoundId: string | null;
  lastRoundStartedAt: Date | null;
  lastRoundCompletedAt: Date | null;
  lastError: string | null;
  skippedTicks: number;
  updatedAt: Date;
}

export interface ScheduleUpdate {
  enabled?: boolean;
  intervalSeconds?: number;
  sample?: 'all' | number;
  timeoutMs?: number | null;
  method?: ScoringMethod;
  autoEpochs?: boolean;
}

export const MAX_INTERVAL_SECONDS = 7 * 24 * 3600;

/** Auto-closing epochs is on by default on the devnet only: real networks pay real tokens. */
export function defaultAutoEpochs(config: CoreContext['config']): boolean {
  return config.HEDERA_NETWORK === 'devnet';
}

/** The stored schedule, created on first use from configuration (on, every SCHEDULE_INTERVAL_SECONDS). */
export function loadSchedule(ctx: CoreContext): ScheduleRow {
  const repo = createScheduleRepository(ctx.db);
  return (
    repo.get() ??
    repo.ensure({
      enabled: ctx.config.SCHEDULE_INTERVAL_SECONDS > 0,
      intervalSeconds: ctx.config.SCHEDULE_INTERVAL_SECONDS > 0 ? ctx.config.SCHEDULE_INTERVAL_SECONDS : 60,
      sample: null,
      timeoutMs: null,
      method: 'auto',
      autoEpochs: null,
    })
  );
}

export function toScheduleView(row: ScheduleRow, config: CoreContext['config']): ScheduleView {
  return {
    enabled: row.enabled,
    intervalSeconds: row.intervalSeconds,
    sample: row.sample ?? 'all',
    timeoutMs: row.timeoutMs,
    method: row.method,
    autoEpochs: row.autoEpochs ?? defaultAutoEpochs(config),
    nextRoundAt: row.enabled ? row.nextRoundAt : null,
    lastRoundId: row.lastRoundId,
    lastRoundStartedAt: row.lastRoundStartedAt,
    lastRoundCompletedAt: row.lastRoundCompletedAt,
    lastError: row.lastError,
    skippedTicks: row.skippedTicks,
    updatedAt: row.updatedAt,
  };
}

export function getSchedule(ctx: CoreContext): ScheduleView {
  return toScheduleView(loadSchedule(ctx), ctx.config);
}

/**
 * Changes the schedule. A new interval or switching it on moves the next round to one interval
 * after the last one started (or now, when that is past or there was none).
 */
export function setSchedule(ctx: CoreContext, update: ScheduleUpdate): ScheduleView {
  if (update.intervalSeconds !== undefined) {
    if (!Number.isInteger(update.intervalSeconds) || update.intervalSeconds < 1)
      throw new InvalidInputError('intervalSeconds', 'must be a whole number of seconds, at least 1');
    if (update.intervalSeconds > MAX_INTERVAL_SECONDS)
      throw new InvalidInputError('intervalSeconds', `must be at most ${MAX_INTERVAL_SECONDS} (a week)`);
  }
  if (typeof update.sample === 'number' && (!Number.isInteger(update.sample) || update.sample < 1))
    throw new InvalidInputError('sample', 'must be "all" or a whole number of miners, at least 1');
  if (update.timeoutMs != null && (!Number.isInteger(update.timeoutMs) || update.timeoutMs < 100))
    throw new InvalidInputError('timeoutMs', 'must be a whole number of milliseconds, at least 100');
  if (update.method !== undefined && !(schema.SCORING_METHODS as readonly string[]).includes(update.method))
    throw new InvalidInputError('method', `must be one of ${schema.SCORING_METHODS.join(', ')}`);
  const now = ctx.now?.() ?? new Date();
  return ctx.db.transaction(
    (tx) => {
      const current = loadSchedule({ ...ctx, db: tx });
      const settings: Partial<ScheduleSettings> = {};
      if (update.enabled !== undefined) settings.enabled = update.enabled;
      if (update.intervalSeconds !== undefined) settings.intervalSeconds = update.intervalSeconds;
      if (update.sample !== undefined) settings.sample = update.sample === 'all' ? null : update.sample;
      if (update.timeoutMs !== undefined) settings.timeoutMs = update.timeoutMs;
      if (update.method !== undefined) settings.method = update.method;
      if (update.autoEpochs !== undefined) settings.autoEpochs = update.autoEpochs;
      const retimed =
        (update.enabled === true && !current.enabled) ||
        (update.intervalSeconds !== undefined && update.intervalSeconds !== current.intervalSeconds);
      const interval = (settings.intervalSeconds ?? current.intervalSeconds) * 1000;
      const nextRoundAt = retimed
        ? new Date(Math.max(now.getTime(), (current.lastRoundStartedAt?.getTime() ?? 0) + interval))
        : current.nextRoundAt;
      const row = createScheduleRepository(tx).updateSettings(settings, { nextRoundAt }, now);
      ctx.log.info({ schedule: settings }, 'validation schedule changed');
      return toScheduleView(row, ctx.config);
    },
    { behavior: 'immediate' },
  );
}
