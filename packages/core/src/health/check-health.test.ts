import { describe, expect, it } from 'vitest';
import { cachedProbe, checkHealth, publicHealthReport } from './check-health.ts';

describe('checkHealth', () => {
  it('is degraded naming the service that is down, and bounds a probe that hangs', async () => {
    const report = await checkHealth(
      {
        db: () => ({ status: 'up', kind: 'sqlite' }),
        ledger: () => new Promise(() => {}),
        vmProvider: async () => {
          throw new Error('Fluence: 403 invalid key');
        },
      },
      { version: '1', startedAt: new Date(), timeoutMs: 50 },
    );
    expect(report.status).toBe('degraded');
    expect(report.services.db?.status).toBe('up');
    expect(report.services.ledger).toMatchObject({ status: 'down', error: 'no answer within 50 ms' });
    expect(report.services.vmProvider).toMatchObject({ status: 'down', error: 'Fluence: 403 invalid key' });
    expect(publicHealthReport(report).services.vmProvider).toEqual({
      status: 'down',
      latencyMs: expect.any(Number),
    });
  });
});

describe('cachedProbe', () => {
  it('asks the upstream once per interval, and again at once after a failure', async () => {
    let clock = 0;
    let calls = 0;
    let fail = false;
    const probe = cachedProbe(
      async () => {
        calls++;
        if (fail) throw new Error('down');
        return { status: 'up' as const };
      },
      1000,
      () => clock,
    );
    await Promise.all([probe(), probe(), probe()]);
    expect(calls).toBe(1);
    clock = 999;
    await probe();
    expect(calls).toBe(1);
    clock = 1000;
    fail = true;
    await expect(probe()).rejects.toThrow('down');
    await expect(probe()).rejects.toThrow('down');
    expect(calls).toBe(3);
  });
});
