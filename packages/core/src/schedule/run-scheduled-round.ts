import { createScheduleRepository } from '@tensornode/db';
import { pickQuestion } from '../bank/pick-question.ts';
import type { RoundHooks } from '../validation/progress.ts';
import type { RoundResult } from '../validation/round-result.ts';
import { runValidationRound, type ValidationContext } from '../validation/run-round.ts';
import { rotatingSample } from './sample-miners.ts';
import { loadSchedule } from './schedule.ts';

/** What the schedule reports into (the API's Prometheus counters); every method optional. */
export interface ScheduleObserver {
  roundStored?(round: RoundResult, durationMs: number): void;
  roundFailed?(error: unknown): void;
  ticksSkipped?(count: number): void;
  epochDistributed?(epoch: string): void;
}

export interface ScheduleContext extends ValidationContext {
  observer?: ScheduleObserver;
  /** Progress of scheduled rounds, for `validation.onProgress` subscribers. */
  hooks?: RoundHooks;
  random?: () => number;
}

export const NO_ACTIVE_MINERS = 'no active miners';

export type ScheduledRoundOutcome = { kind: 'round'; round: RoundResult } | { kind: 'no-miners' };

/**
 * One scheduled round, self-contained (a job on any runner can call it): the schedule's sample of
 * active miners is asked the next bank question, and the round is stored with trigger `schedule`.
 * With no active miner nothing is asked and no question is used up.
 */
export async function runScheduledRound(ctx: ScheduleContext): Promise<ScheduledRoundOutcome> {
  const schedule = loadSchedule(ctx);
  const active = await ctx.miners.resolve(undefined);
  if (active.length === 0) return { kind: 'no-miners' };
  const { chosen, nextCursor } = rotatingSample(active, schedule.sample, schedule.sampleCursor);
  const question = pickQuestion(ctx, ctx.random);
  createScheduleRepository(ctx.db).recordProgress({ sampleCursor: nextCursor });
  const round = await runValidationRound(
    ctx,
    {
      prompt: question.prompt,
      truth: question.truth,
      ...(schedule.sample === null ? {} : { vmIds: chosen.map((m) => m.vmId) }),
      ...(schedule.timeoutMs ? { timeoutMs: schedule.timeoutMs } : {}),
      method: schedule.method,
      trigger: 'schedule',
      questionId: question.id,
    },
    ctx.hooks,
  );
  return { kind: 'round', round };
}
