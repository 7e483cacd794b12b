import type { Vm, VmProvider } from '../vms/provider.ts';

/**
 * The seed's short-lived VM listing cache. Concurrent readers share one provider call; every write
 * (deploy, update, delete, allocate, release) invalidates it, and a listing that was in flight
 * during an invalidation is not kept.
 */
export interface VmListCache {
  list(): Promise<Vm[]>;
  invalidate(): void;
}

export function createVmListCache(provider: Pick<VmProvider, 'list'>, ttlMs: number): VmListCache {
  let generation = 0;
  let cached: { vms: Vm[]; at: number } | undefined;
  let inFlight: { promise: Promise<Vm[]>; generation: number } | undefined;

  return {
    list() {
      if (cached && Date.now() - cached.at < ttlMs) return Promise.resolve(cached.vms);
      if (inFlight && inFlight.generation === generation) return inFlight.promise;
      const started = generation;
      const promise = provider.list().then(
        (vms) => {
          if (started === generation && ttlMs > 0) cached = { vms, at: Date.now() };
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
