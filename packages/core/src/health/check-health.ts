export interface ServiceHealth {
  /** `degraded`: running, but not doing its work (the scheduler's watchdog). */
  status: 'up' | 'degraded' | 'down' | 'disabled';
  /** What this service is (e.g. `local`, `fluence`, `devnet`, `heuristic`). */
  kind?: string;
  /** Why it is down, in words safe to show. */
  error?: string;
  latencyMs?: number;
}

export type HealthProbe = () => Promise<Omit<ServiceHealth, 'latencyMs'>> | Omit<ServiceHealth, 'latencyMs'>;

export interface HealthReport {
  status: 'healthy' | 'degraded';
  version: string;
  uptimeSeconds: number;
  services: Record<string, ServiceHealth>;
}

/** Runs every probe concurrently, each bounded by `timeoutMs`; any service down makes the report degraded. */
export async function checkHealth(
  probes: Record<string, HealthProbe>,
  options: { version: string; startedAt: Date; timeoutMs?: number },
): Promise<HealthReport> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const entries = await Promise.all(
    Object.entries(probes).map(async ([name, probe]): Promise<[string, ServiceHealth]> => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        const result = await Promise.race([
          Promise.resolve().then(probe),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return [name, { ...result, latencyMs: Math.round(performance.now() - started) }];
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return [name, { status: 'down', error: message, latencyMs: Math.round(performance.now() - started) }];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const services = Object.fromEntries(entries);
  const degraded = entries.some(([, s]) => s.status === 'down' || s.status === 'degraded');
  return {
    status: degraded ? 'degraded' : 'healthy',
    version: options.version,
    uptimeSeconds: Math.round((Date.now() - options.startedAt.getTime()) / 1000),
    services,
  };
}

/**
 * A probe answered from its last result for `ttlMs`, with one check in flight at a time: probes
 * that call an upstream (Fluence, a Hedera node) must not be multiplied by health polling.
 */
export function cachedProbe(probe: HealthProbe, ttlMs: number, now: () => number = Date.now): HealthProbe {
  let last: { at: number; result: Promise<Omit<ServiceHealth, 'latencyMs'>> } | undefined;
  return () => {
    if (!last || now() - last.at >= ttlMs) {
      const result = Promise.resolve().then(probe);
      last = { at: now(), result };
      // A failed check is not remembered: the next caller tries again.
      result.catch(() => {
        if (last?.result === result) last = undefined;
      });
    }
    return last.result;
  };
}

/** What anonymous callers see: each service's status and kind, never error details. */
export function publicHealthReport(report: HealthReport): HealthReport {
  return {
    ...report,
    services: Object.fromEntries(
      Object.entries(report.services).map(([name, { error: _error, ...rest }]) => [name, rest]),
    ),
  };
}
