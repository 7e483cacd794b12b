import type { Vm, VmProvider } from '../vms/provider.ts';

/**
 * The seed's short-lived VM listing cache. Concurrent readers share one provider call; every write
 * (deploy, update, delete, allocate, release) invalidates it, and a listing that was in flight
 * during an invalidation is not kept. While any VM is still coming up (New, Launching) the listing
 * is kept at most TRANSITIONAL_TTL_MS, so a VM turning Active shows (and is asked by rounds) at once.
 */
export interface VmListCache {
  list(): Promise<Vm[]>;
  invalidate(): void;
}

export const TRANSITIONAL_TTL_MS = 1000;
const TRANSITIONAL = new Set<Vm['status']>(['New', 'Launching']);

export function createVmListCache(provider: Pick<VmProvider, 'list'>, ttlMs: number): VmListCache {
  let generation = 0;
  let cached: { vms: Vm[]; at: number; ttl: number } | undefined;
  let inFlight: { promise: Promise<Vm[]>; generation: number } | undefined;

  return {
    list() {
      if (cached && Date.now() - cached.at < cached.ttl) return Promise.resolve(cached.vms);
      if (inFlight && inFlight.generation === generation) return inFlight.promise;
      const started = generation;
      const promise = provider.list().then(
        (vms) => {
          const settling = vms.some((vm) => TRANSITIONAL.has(vm.status));
          const ttl = settling ? Math.min(ttlMs, TRANSITIONAL_TTL_MS) : ttlMs;
          if (started === generation && ttl > 0) cached = { vms, at: Date.now(), ttl };
          if (inFlight?.promise === promise) inFlight = undefined;
          return vms;
        },
        (error: unknown) => {
          if (inFlight?.promise === promise) inFlight = undefined;
          throw error;
        },
      );
      inFlight = { promise, generation: started };
      return promise;
    },
    invalidate() {
      generation += 1;
      cached = undefined;
      inFlight = undefined;
    },
  };
}
