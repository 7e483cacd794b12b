import { createScheduleRepository } from '@tensornode/db';
import type { CoreContext } from '../context.ts';
import type { JobRunner } from '../jobs/runner.ts';
import { SCHEDULE_JOB } from '../schedule/index.ts';
import { loadSchedule } from '../schedule/schedule.ts';

/**
 * Points the validation schedule at the demo network once its miners are Active: the schedule
 * (on by default, every SCHEDULE_INTERVAL_SECONDS, from the starter bank) asks all of them now
 * rather than one interval after a tick that found none or only some of them running. A schedule switched off
 * (SCHEDULE_INTERVAL_SECONDS=0 on the first start) stays off. Returns whether the schedule is on.
 */
export function enableDemoSchedule(ctx: CoreContext & { jobs?: Pick<JobRunner, 'wake'> }): boolean {
  const schedule = loadSchedule(ctx);
  if (!schedule.enabled) {
    ctx.log.info('the validation schedule is off: the demo miners are asked only when it is switched on');
    return false;
  }
  const now = ctx.now?.() ?? new Date();
  if (!schedule.nextRoundAt || schedule.nextRoundAt > now) {
    createScheduleRepository(ctx.db).recordProgress({ nextRoundAt: now });
    ctx.jobs?.wake(SCHEDULE_JOB);
  }
  return true;
}
