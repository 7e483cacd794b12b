import { randomUUID } from 'node:crypto';
import { createJobRepository, type Database } from '@tensornode/db';
import type { Logger } from '../context.ts';
import { isProcessAlive } from '../vms/local/process-alive.ts';

/** A job's work; it should stop soon after `signal` aborts (shutdown, or its lease was lost). */
export type JobFn = (signal: AbortSignal) => Promise<unknown>;

export type JobRunOutcome =
  | { ran: true; error: string | null }
  | { ran: false; reason: 'busy' | 'not-due' | 'stopped' };

export interface JobRunner {
  /** This runner's lease owner id. */
  readonly owner: string;
  register(name: string, intervalMs: number, fn: JobFn, options?: JobScheduleOptions): void;
  /** Schedules every registered job: each runs when due and when no runner holds its lease. */
  start(): void;
  /** Cancels schedules, aborts running jobs and waits for them to return. */
  stop(): Promise<void>;
  /** Runs a job now whether or not it is due, unless another run holds its lease. */
  runNow(name: string): Promise<JobRunOutcome>;
  /** Looks at a job again now (its `nextRunAt` may have moved); a running job is left alone. */
  wake(name: string): void;
}

export interface JobScheduleOptions {
  /** When the job next has work; the runner sleeps until then (null: no work known). */
  nextRunAt?: () => Date | null;
  /** Longest sleep between looks, so work another process scheduled is seen. */
  maxIdleMs?: number;
}

export interface JobRunnerOptions {
  db: Database;
  log: Logger;
  /** How long a lease lasts without renewal; a crashed runner's job is taken over after it. Default 60 s. */
  leaseMs?: number;
  owner?: string;
  now?: () => Date;
}

interface Job {
  name: string;
  intervalMs: number;
  fn: JobFn;
  options: JobScheduleOptions;
  timer?: NodeJS.Timeout;
  running?: { controller: AbortController; done: Promise<JobRunOutcome> };
}

const MAX_ERROR_LENGTH = 1_000;

/**
 * The seed's background task queue, made durable: job state lives in the `jobs` table, and a
 * lease (owner + expiry, renewed while the job runs) keeps a job from running twice at once,
 * across processes too. State survives restarts, so a restarted server does not re-run a job
 * that ran a moment ago.
 */
export function createJobRunner(options: JobRunnerOptions): JobRunner {
  const { db, leaseMs = 60_000 } = options;
  const owner = options.owner ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
  const log = options.log.child({ component: 'jobs' });
  const now = options.now ?? (() => new Date());
  const repo = createJobRepository(db);
  const jobs = new Map<string, Job>();
  let started = false;
  let stopped = false;

  function run(job: Job, intervalMs: number): Promise<JobRunOutcome> {
    if (stopped) return Promise.resolve({ ran: false, reason: 'stopped' });
    if (job.running) return Promise.resolve({ ran: false, reason: 'busy' });
    const at = now();
    const lease = repo.acquire({
      name: job.name,
      owner,
      now: at,
      until: new Date(at.getTime() + leaseMs),
      intervalMs,
    });
    if (!lease && takeOverFromDeadOwner(job.name)) return run(job, intervalMs);
    if (!lease) {
      const row = repo.get(job.name);
      const busy = row?.leaseOwner && row.leaseUntil && row.leaseUntil.getTime() >= at.getTime();
      return Promise.resolve({ ran: false, reason: busy ? 'busy' : 'not-due' });
    }
    const controller = new AbortController();
    const renewal = setInterval(
      () => {
        try {
          if (!repo.renew(job.name, owner, new Date(now().getTime() + leaseMs))) {
            log.warn({ job: job.name }, 'job lease taken over by another runner; aborting this run');
            controller.abort(new Error('lease lost'));
          }
        } catch (error) {
          log.warn({ job: job.name, err: error }, 'renewing a job lease failed');
        }
      },
      Math.max(10, Math.floor(leaseMs / 3)),
    );
    renewal.unref();
    const done = (async (): Promise<JobRunOutcome> => {
      let error: string | null = null;
      const startedAt = performance.now();
      try {
        await job.fn(controller.signal);
      } catch (err) {
        error = (err instanceof Error ? err.message : String(err)).slice(0, MAX_ERROR_LENGTH);
        log.error({ job: job.name, err }, 'job failed');
      } finally {
        clearInterval(renewal);
        job.running = undefined;
      }
      try {
        repo.finish(job.name, owner, { at: now(), error });
      } catch (err) {
        log.warn({ job: job.name, err }, 'recording a job outcome failed');
      }
      log.debug({ job: job.name, ms: Math.round(performance.now() - startedAt), error }, 'job finished');
      return { ran: true, error };
    })();
    job.running = { controller, done };
    return done;
  }

  /**
   * A live lease whose owner process is gone (SIGKILL, power cut) is freed at once rather than
   * after it expires. Owners are `<pid>-…`; SQLite in WAL mode serves one host, so the pid is ours to check.
   */
  function takeOverFromDeadOwner(name: string): boolean {
    const row = repo.get(name);
    const pid = Number(/^(\d+)-/.exec(row?.leaseOwner ?? '')?.[1]);
    if (!row?.leaseOwner || !Number.isInteger(pid) || pid === process.pid || isProcessAlive(pid))
      return false;
    log.warn({ job: name, deadOwner: row.leaseOwner }, 'taking over a job lease from a process that is gone');
    return repo.breakLease(name, row.leaseOwner);
  }

  /** When to look again: when the job falls due, or when a foreign lease would expire. */
  function nextDelay(job: Job): number {
    const row = repo.get(job.name);
    const at = now().getTime();
    let next = row?.lastFinishedAt ? row.lastFinishedAt.getTime() + job.intervalMs : at;
    const hint = job.options.nextRunAt?.();
    if (hint !== undefined) next = Math.max(next, hint?.getTime() ?? Number.POSITIVE_INFINITY);
    if (row?.leaseOwner && row.leaseOwner !== owner && row.leaseUntil && row.leaseUntil.getTime() >= at) {
      next = Math.max(next, row.leaseUntil.getTime() + 1);
    }
    const delay = Math.max(10, next - at);
    return job.options.maxIdleMs ? Math.min(delay, job.options.maxIdleMs) : delay;
  }

  function schedule(job: Job, delayMs: number): void {
    if (stopped) return;
    clearTimeout(job.timer);
    job.timer = setTimeout(() => {
      void tick(job);
    }, delayMs);
    job.timer.unref();
  }

  async function tick(job: Job): Promise<void> {
    let delay = job.intervalMs;
    try {
      await run(job, job.intervalMs);
      delay = nextDelay(job);
    } catch (error) {
      log.error({ job: job.name, err: error }, 'job scheduling failed; retrying after its interval');
    }
    schedule(job, delay);
  }

  return {
    owner,
    register(name, intervalMs, fn, options = {}) {
      if (jobs.has(name)) throw new Error(`job ${name} is registered twice`);
      if (!(intervalMs > 0)) throw new Error(`job ${name} needs a positive interval`);
      repo.ensure(name);
      const job: Job = { name, intervalMs, fn, options };
      jobs.set(name, job);
      if (started) schedule(job, 0);
    },
    start() {
      if (started || stopped) return;
      started = true;
      for (const job of jobs.values()) schedule(job, 0);
    },
    async stop() {
      stopped = true;
      const running: Promise<JobRunOutcome>[] = [];
      for (const job of jobs.values()) {
        clearTimeout(job.timer);
        if (job.running) {
          job.running.controller.abort(new Error('shutting down'));
          running.push(job.running.done);
        }
      }
      await Promise.allSettled(running);
    },
    wake(name) {
      const job = jobs.get(name);
      if (job && started && !job.running) schedule(job, 0);
    },
    runNow(name) {
      const job = jobs.get(name);
      if (!job) return Promise.reject(new Error(`no job named ${name}`));
      return run(job, 0);
    },
  };
}
