import type { OutboxMetrics } from '@tensornode/core/ledger';
import type { ScheduleObserver } from '@tensornode/core/schedule';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** One registry per server instance, so tests can build several servers in one process. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tensornode_' });
  const procedureCalls = new Counter({
    name: 'tensornode_trpc_requests_total',
    help: 'tRPC procedure calls by procedure, type and result code',
    labelNames: ['procedure', 'type', 'code'] as const,
    registers: [registry],
  });
  const procedureDuration = new Histogram({
    name: 'tensornode_trpc_request_duration_seconds',
    help: 'tRPC procedure duration by procedure',
    labelNames: ['procedure', 'type'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const httpRequests = new Counter({
    name: 'tensornode_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'tensornode_http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  // The seed's domain counters, and the ones later areas report into.
  const vmDeployments = new Counter({
    name: 'tensornode_vm_deployments_total',
    help: 'VMs deployed through the API',
    registers: [registry],
  });
  const validationRequests = new Counter({
    name: 'tensornode_validation_requests_total',
    help: 'Validation rounds run',
    registers: [registry],
  });
  const minerAnswers = new Counter({
    name: 'tensornode_miner_answers_total',
    help: 'Miner answers in validation rounds by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const ledgerSubmissions = new Counter({
    name: 'tensornode_ledger_submissions_total',
    help: 'Ledger outbox submissions by result',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  // The schedule's (issue 11): what a watchdog alerts on.
  const rounds = new Counter({
    name: 'tensornode_validation_rounds_total',
    help: 'Validation rounds by trigger (manual, schedule) and outcome (stored, failed)',
    labelNames: ['trigger', 'outcome'] as const,
    registers: [registry],
  });
  const roundDuration = new Histogram({
    name: 'tensornode_validation_round_duration_seconds',
    help: 'Validation round duration, start to stored, by trigger',
    labelNames: ['trigger'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  });
  const lastRoundCompleted = new Gauge({
    name: 'tensornode_validation_last_round_completed_timestamp_seconds',
    help: 'When the last validation round completed (Unix time), by trigger',
    labelNames: ['trigger'] as const,
    registers: [registry],
  });
  const skippedTicks = new Counter({
    name: 'tensornode_schedule_skipped_ticks_total',
    help: 'Schedule ticks skipped because the previous round was still running',
    registers: [registry],
  });
  const epochsDistributed = new Counter({
    name: 'tensornode_reward_epochs_distributed_total',
    help: 'Reward epochs the schedule closed and distributed',
    registers: [registry],
  });
  return {
    registry,
    rounds,
    roundDuration,
    lastRoundCompleted,
    skippedTicks,
    epochsDistributed,
    procedureCalls,
    procedureDuration,
    httpRequests,
    httpDuration,
    vmDeployments,
    validationRequests,
    minerAnswers,
    ledgerSubmissions,
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** A stored round, whoever started it: counts it, its answers by outcome, its duration. */
export function recordRoundMetrics(
  metrics: Metrics,
  round: {
    trigger: string;
    startedAt: Date;
    completedAt: Date;
    answers: readonly { ok: boolean; reason: string | null }[];
  },
): void {
  metrics.validationRequests.inc();
  metrics.rounds.inc({ trigger: round.trigger, outcome: 'stored' });
  metrics.roundDuration.observe(
    { trigger: round.trigger },
    (round.completedAt.getTime() - round.startedAt.getTime()) / 1000,
  );
  metrics.lastRoundCompleted.set({ trigger: round.trigger }, round.completedAt.getTime() / 1000);
  for (const answer of round.answers) {
    metrics.minerAnswers.inc({ outcome: answer.ok ? 'answered' : (answer.reason ?? 'failed') });
  }
}

/**
 * Reports work that runs outside any request (the schedule, the epoch closer, the ledger outbox)
 * into whichever server's metrics are attached: services start before the server that owns them.
 */
export function createMetricsRelay() {
  let metrics: Metrics | undefined;
  return {
    attach(target: Metrics) {
      metrics = target;
    },
    schedule: {
      roundStored: (round) => {
        if (metrics) recordRoundMetrics(metrics, round);
      },
      roundFailed: () => metrics?.rounds.inc({ trigger: 'schedule', outcome: 'failed' }),
      ticksSkipped: (count) => metrics?.skippedTicks.inc(count),
      epochDistributed: () => metrics?.epochsDistributed.inc(),
    } satisfies ScheduleObserver,
    outbox: {
      confirmed: () => metrics?.ledgerSubmissions.inc({ result: 'confirmed' }),
      retried: () => metrics?.ledgerSubmissions.inc({ result: 'retried' }),
      failed: () => metrics?.ledgerSubmissions.inc({ result: 'failed' }),
    } satisfies OutboxMetrics,
  };
}
export type MetricsRelay = ReturnType<typeof createMetricsRelay>;
