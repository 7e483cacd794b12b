import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { Vm } from '../vms/provider.ts';
import { createVmListCache, TRANSITIONAL_TTL_MS } from './vm-cache.ts';

const vm = (status: Vm['status']): Vm => ({
  id: 'local-000000000001',
  vmName: 'miner',
  status,
  publicIp: status === 'Active' ? '127.0.0.1' : null,
  ports: [],
  osImage: null,
  datacenter: null,
  pricePerEpoch: null,
  createdAt: new Date(0).toISOString(),
  nextBillingAt: null,
});

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

it('keeps a settled listing for its TTL, shares one call, and drops it on a write', async () => {
  const list = vi.fn(async () => [vm('Active')]);
  const cache = createVmListCache({ list }, 15_000);
  await Promise.all([cache.list(), cache.list()]);
  expect(list).toHaveBeenCalledTimes(1);
  vi.advanceTimersByTime(14_000);
  await cache.list();
  expect(list).toHaveBeenCalledTimes(1);
  cache.invalidate();
  await cache.list();
  expect(list).toHaveBeenCalledTimes(2);
});

it('refreshes within a second while a VM is still launching, so Active shows at once', async () => {
  const statuses: Vm['status'][] = ['Launching', 'Active'];
  const list = vi.fn(async () => [vm(statuses.shift() ?? 'Active')]);
  const cache = createVmListCache({ list }, 15_000);
  expect((await cache.list())[0]?.status).toBe('Launching');
  vi.advanceTimersByTime(TRANSITIONAL_TTL_MS);
  expect((await cache.list())[0]?.status).toBe('Active');
  expect(list).toHaveBeenCalledTimes(2);
});
