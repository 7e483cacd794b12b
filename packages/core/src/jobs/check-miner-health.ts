import { createDeploymentRepository, type Deployment } from '@tensornode/db';
import { request } from 'undici';
import { type DeploymentContext, nowOf } from '../deployments/context.ts';
import type { Vm } from '../vms/provider.ts';

export interface MinerHealthOptions {
  timeoutMs?: number;
  concurrency?: number;
}

export interface MinerHealthResult {
  vmId: string;
  healthy: boolean;
  error: string | null;
}

/** GET /health on the miner's own port (the container the VM runs), beside its chat endpoint. */
function healthUrlOf(vm: Vm, config: DeploymentContext['config']): string | null {
  if (vm.minerEndpoint) return new URL('/health', vm.minerEndpoint).href;
  if (!vm.publicIp) return null;
  const host = vm.publicIp.includes(':') ? `[${vm.publicIp}]` : vm.publicIp;
  return `http://${host}:${config.MINER_PORT}/health`;
}

async function probe(url: string, timeoutMs: number, signal: AbortSignal): Promise<string | null> {
  try {
    const res = await request(url, {
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
    return res.statusCode >= 200 && res.statusCode < 300 ? null : `HTTP ${res.statusCode}`;
  } catch (error) {
    const e = error as Error & { code?: string };
    if (signal.aborted) throw error;
    if (e.name === 'TimeoutError' || e.name === 'AbortError' || /TIMEOUT/i.test(e.code ?? '')) {
      return `no answer within ${timeoutMs} ms`;
    }
    return e.code ?? e.message;
  }
}

/**
 * The `vm-health-check` job: asks every active deployment's miner for /health with a deadline and
 * stores the answer (healthy, error, time) on the deployment, where vms.list shows it.
 */
export async function checkMinerHealth(
  ctx: DeploymentContext,
  signal: AbortSignal,
  { timeoutMs = 5_000, concurrency = 16 }: MinerHealthOptions = {},
): Promise<MinerHealthResult[]> {
  const repo = createDeploymentRepository(ctx.db);
  const active = repo.list({ status: 'active', provider: ctx.provider.name });
  if (active.length === 0) return [];
  const vms = new Map((await ctx.vmCache.list()).map((vm) => [vm.id.toLowerCase(), vm]));

  const check = async (deployment: Deployment): Promise<MinerHealthResult> => {
    const vm = vms.get(deployment.vmId.toLowerCase());
    let error: string | null;
    if (!vm) error = 'VM not listed by the provider';
    else {
      const url = healthUrlOf(vm, ctx.config);
      error = url ? await probe(url, timeoutMs, signal) : `no public IP (VM status ${vm.status})`;
    }
    if (signal.aborted) throw signal.reason;
    repo.recordHealth(deployment.vmId, {
      healthy: error === null,
      error,
      at: nowOf(ctx),
      publicIp: vm?.publicIp ?? null,
    });
    return { vmId: deployment.vmId, healthy: error === null, error };
  };

  const results: MinerHealthResult[] = [];
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, active.length) }, async () => {
    while (next < active.length && !signal.aborted) {
      const deployment = active[next++]!;
      results.push(await check(deployment));
    }
  });
  await Promise.all(workers);
  const unhealthy = results.filter((r) => !r.healthy).length;
  if (unhealthy > 0) ctx.log.warn({ checked: results.length, unhealthy }, 'miner health check');
  else ctx.log.debug({ checked: results.length }, 'miner health check');
  return results;
}
