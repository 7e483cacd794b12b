import { afterEach, expect, it } from 'vitest';
import type { AppServices } from '../services.ts';
import { callerAs, createTestServices } from '../testing.ts';

let services: AppServices;
afterEach(async () => services?.close());

it('reports healthy with the database up, and degraded naming the database when it is gone', async () => {
  ({ services } = await createTestServices());
  const anonymous = callerAs(services, null);
  const healthy = await anonymous.health.check();
  expect(healthy.status).toBe('healthy');
  expect(healthy.services.db).toMatchObject({ status: 'up', kind: 'sqlite' });

  services.database.sqlite.close();
  const degraded = await anonymous.health.check();
  expect(degraded.status).toBe('degraded');
  expect(degraded.services.db).toMatchObject({ status: 'down' });
});

it('shows why a service is down to token holders only', async () => {
  ({ services } = await createTestServices());
  services.healthProbes.vmProvider = () => {
    throw new Error('Fluence: 403 invalid API key');
  };
  const anonymous = await callerAs(services, null).health.check();
  expect(anonymous.services.vmProvider).toEqual({ status: 'down', latencyMs: expect.any(Number) });
  const viewer = await callerAs(services, 'viewer').health.check();
  expect(viewer.services.vmProvider).toMatchObject({ status: 'down', error: 'Fluence: 403 invalid API key' });
});
