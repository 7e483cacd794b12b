export interface ServiceHealth {
  status: 'up' | 'down' | 'disabled';
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
  const degraded = entries.some(([, s]) => s.status === 'down');
  return {
    status: degraded ? 'degraded' : 'healthy',
    version: options.version,
    uptimeSeconds: Math.round((Date.now() - options.startedAt.getTime()) / 1000),
    services,
  };
}
