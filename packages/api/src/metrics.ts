import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

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
  return {
    registry,
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
