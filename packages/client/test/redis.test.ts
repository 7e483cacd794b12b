import { randomBytes } from 'node:crypto';
import { startTestServer, type TestServer } from '@tensornode/api/testing';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createTensorNodeClient } from '../src/index.ts';

// The machine's Redis (bootstrap --test starts it when it is not running).
const REDIS_URL = 'redis://127.0.0.1:6379';
const servers: TestServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
});

async function start(env: Record<string, string>, namespace?: string): Promise<TestServer> {
  const server = await startTestServer({
    env,
    rateLimits: { perMinute: 4, perHour: 1000, deployPerMinute: 2 },
    ...(namespace ? { rateLimitNamespace: namespace } : {}),
  });
  servers.push(server);
  return server;
}

describe('REDIS_URL', () => {
  it('shares rate-limit budgets between API instances and reports Redis in health', async () => {
    const namespace = `tensornode-test:${randomBytes(6).toString('hex')}:`;
    const a = await start({ REDIS_URL }, namespace);
    const b = await start({ REDIS_URL }, namespace);
    const statuses: number[] = [];
    for (const server of [a, b, a, b, a]) {
      const res = await request(`${server.url}/trpc/health.check`);
      statuses.push(res.statusCode);
      await res.body.dump();
    }
    // Four requests spread over two instances spend one budget of four.
    expect(statuses).toEqual([200, 200, 200, 200, 429]);

    const health = await createTensorNodeClient({
      url: a.url,
      token: a.tokenFor('viewer'),
    }).health.check.query();
    expect(health.services.redis).toMatchObject({ status: 'up', kind: 'redis' });
  });

  it('keeps serving when Redis is unreachable, and says so in health', async () => {
    const server = await start({ REDIS_URL: 'redis://127.0.0.1:1' });
    const viewer = createTensorNodeClient({ url: server.url, token: server.tokenFor('viewer') });
    const health = await viewer.health.check.query();
    expect(health.status).toBe('degraded');
    expect(health.services.redis?.status).toBe('down');
    expect((await viewer.auth.whoami.query()).role).toBe('viewer');
  });
});
