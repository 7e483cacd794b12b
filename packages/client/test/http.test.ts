import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { startTestServer, type TestServer } from '@tensornode/api/testing';
import { startFluenceStandIn } from '@tensornode/core/testkit';
import { request } from 'undici';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { createTensorNodeClient, errorCode, type TRPCClientError } from '../src/index.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function rawPost(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await request(`${server!.url}${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

describe('typed client over HTTP', () => {
  it('reads health anonymously and manages tokens as admin', async () => {
    server = await startTestServer();
    const anonymous = createTensorNodeClient({ url: server.url });
    const health = await anonymous.health.check.query();
    expect(health).toMatchObject({ status: 'healthy', services: { db: { status: 'up' } } });

    const admin = createTensorNodeClient({ url: server.url, token: server.tokenFor('admin') });
    const created = await admin.auth.tokens.create.mutate({ name: 'dashboard', role: 'viewer' });
    expect(created.record.createdAt).toBeInstanceOf(Date); // superjson round-trips dates

    const viewer = createTensorNodeClient({ url: server.url, token: created.token });
    const forbidden = await viewer.auth.tokens.list.query().catch((e: unknown) => e);
    expect(errorCode(forbidden)).toBe('FORBIDDEN');

    await admin.auth.tokens.revoke.mutate({ id: created.record.id });
    const revoked = await viewer.auth.tokens.list.query().catch((e: unknown) => e);
    expect(errorCode(revoked)).toBe('UNAUTHORIZED');
    expect((revoked as TRPCClientError<never>).message).toMatch(/invalid or revoked/i);
  });

  it('batches concurrent calls into one request', async () => {
    server = await startTestServer();
    const seen: string[] = [];
    const admin = createTensorNodeClient({
      url: server.url,
      token: server.tokenFor('admin'),
      fetch: (input, init) => {
        seen.push(new URL(String(input)).pathname);
        return fetch(input, init);
      },
    });
    const [health, tokens] = await Promise.all([admin.health.check.query(), admin.auth.tokens.list.query()]);
    expect(health.status).toBe('healthy');
    expect(tokens.length).toBeGreaterThan(0);
    expect(seen).toEqual(['/trpc/health.check,auth.tokens.list']);
  });
});

describe('bad input never breaks the server', () => {
  it('answers 4xx naming the field, and stays healthy', async () => {
    server = await startTestServer();
    const token = server.tokenFor('admin');
    const auth = { authorization: `Bearer ${token}` };

    const wrongTypes = await rawPost(
      '/trpc/auth.tokens.create',
      JSON.stringify({ json: { name: 42, role: 'admin' } }),
      auth,
    );
    expect(wrongTypes.status).toBe(400);
    expect(JSON.parse(wrongTypes.text).error.json.message).toMatch(/^name: /);

    const missing = await rawPost('/trpc/auth.tokens.create', JSON.stringify({ json: { name: 'x' } }), auth);
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.text).error.json.data.issues).toEqual([
      { path: 'role', message: expect.any(String) },
    ]);

    const malformed = await rawPost('/trpc/auth.tokens.create', '{"json": {', auth);
    expect(malformed.status).toBe(400);
    expect(malformed.text).not.toMatch(/at .*\.ts:\d+/); // no stack trace

    const oversized = await rawPost(
      '/trpc/auth.tokens.create',
      JSON.stringify({ json: { name: 'x'.repeat(2 * 1024 * 1024), role: 'viewer' } }),
      auth,
    );
    expect(oversized.status).toBe(413);

    const unknown = await rawPost('/trpc/nope.nothing', '{}', auth);
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.text).error.json.message).toMatch(/nope\.nothing/);

    const client = createTensorNodeClient({ url: server.url, token });
    const typed = await client.auth.tokens.create
      // @ts-expect-error: a wrong role on purpose
      .mutate({ name: 'x', role: 'root' })
      .catch((e: unknown) => e);
    expect(errorCode(typed)).toBe('BAD_REQUEST');
    expect((typed as Error).message).toMatch(/^role: /);

    expect((await client.health.check.query()).status).toBe('healthy');
  });
});

describe('rate limits', () => {
  it('answers 429 with retry information once a client exceeds its per-minute budget', async () => {
    server = await startTestServer({ rateLimits: { perMinute: 5, perHour: 1000, deployPerMinute: 2 } });
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof request>> | undefined;
    for (let i = 0; i < 7; i++) {
      last = await request(`${server.url}/trpc/health.check`);
      statuses.push(last.statusCode);
      if (i < 6) await last.body.dump();
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    // A tRPC call is refused as a tRPC error, so the typed client reads its code and message.
    const body = (await last!.body.json()) as {
      error: { json: { message: string; data: { code: string; retryAfterSeconds: number } } };
    };
    expect(body.error.json.message).toMatch(/Rate limit exceeded: 5 requests per minute/);
    expect(body.error.json.data).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      retryAfterSeconds: expect.any(Number),
    });
    expect(body.error.json.data.retryAfterSeconds).toBeGreaterThan(0);

    // Health probes for orchestrators are not rate-limited.
    expect((await request(`${server.url}/health`)).statusCode).toBe(200);
    // A made-up bearer token is no new client: it shares the address's spent budget.
    const forged = await request(`${server.url}/trpc/health.check`, {
      headers: { authorization: 'Bearer tn_made-up-token-that-nobody-issued-0000' },
    });
    expect(forged.statusCode).toBe(429);
    await forged.body.dump();
    // Another client (a real token) has its own budget.
    const other = await request(`${server.url}/trpc/health.check`, {
      headers: { authorization: `Bearer ${server.tokenFor('viewer')}` },
    });
    expect(other.statusCode).toBe(200);
  });

  it('counts each call of a batch: in a batch of 25 vms.deploy calls the 11th gets 429 (seed limits)', {
    timeout: 30_000,
  }, async () => {
    const apiKey = randomBytes(24).toString('hex');
    const fluence = await startFluenceStandIn({ apiKey, capacity: 40 });
    try {
      // No rateLimits option: the limits come from the config, whose defaults are the seed's.
      server = await startTestServer({
        env: { VM_PROVIDER: 'fluence', FLUENCE_API_KEY: apiKey, FLUENCE_API_URL: fluence.url },
        startJobs: false,
      });
      const admin = createTensorNodeClient({ url: server.url, token: server.tokenFor('admin') });
      await admin.keys.generate.mutate();
      const requests: string[] = [];
      const operator = createTensorNodeClient({
        url: server.url,
        token: server.tokenFor('operator'),
        fetch: (input, init) => {
          requests.push(new URL(String(input)).pathname);
          return fetch(input, init);
        },
      });
      const outcomes = await Promise.allSettled(
        Array.from({ length: 25 }, (_, i) =>
          operator.vms.deploy.mutate({ instances: 1, walletAddress: `0.0.${9000 + i}` }),
        ),
      );
      expect(requests).toHaveLength(1); // one HTTP request carried all 25 calls
      const codes = outcomes.map((o) => (o.status === 'fulfilled' ? 'OK' : errorCode(o.reason)));
      expect(codes).toEqual([...Array(10).fill('OK'), ...Array(15).fill('TOO_MANY_REQUESTS')]);
      const eleventh = (outcomes[10] as PromiseRejectedResult).reason as TRPCClientError<never>;
      expect((eleventh.data as unknown as { httpStatus?: number }).httpStatus).toBe(429);
      expect(eleventh.message).toMatch(/10 requests per minute on deploy/);
      expect(fluence.vms()).toHaveLength(10); // nothing past the budget was rented
    } finally {
      await fluence.close();
    }
  });

  it('TRUST_PROXY gives each client behind the proxy its own budget; without it the header is ignored', async () => {
    const limits = { perMinute: 2, perHour: 1000, deployPerMinute: 2 };
    const statusesFor = async (forwardedFor: string) => {
      const res = await request(`${server!.url}/trpc/health.check`, {
        headers: { 'x-forwarded-for': forwardedFor },
      });
      await res.body.dump();
      return res.statusCode;
    };
    server = await startTestServer({ rateLimits: limits, env: { TRUST_PROXY: '127.0.0.1' } });
    expect([await statusesFor('203.0.113.1'), await statusesFor('203.0.113.1')]).toEqual([200, 200]);
    expect(await statusesFor('203.0.113.1')).toBe(429);
    expect(await statusesFor('203.0.113.2')).toBe(200); // another client behind the same proxy
    await server.stop();

    server = await startTestServer({ rateLimits: limits });
    expect([await statusesFor('203.0.113.1'), await statusesFor('203.0.113.2')]).toEqual([200, 200]);
    expect(await statusesFor('203.0.113.3')).toBe(429); // a forged header buys no budget
  });

  it('counts Dockerfile builds against the deploy budget', async () => {
    server = await startTestServer({ rateLimits: { perMinute: 100, perHour: 1000, deployPerMinute: 2 } });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await request(`${server.url}/v1/vms/local-000000000000/docker`, { method: 'POST' });
      statuses.push(res.statusCode);
      await res.body.dump();
    }
    expect(statuses.slice(0, 2).every((s) => s !== 429)).toBe(true);
    expect(statuses[2]).toBe(429);
  });
});

describe('persistence', () => {
  it('keeps every token across a restart on the same data directory', async () => {
    server = await startTestServer({ database: 'file' });
    const admin = createTensorNodeClient({ url: server.url, token: server.tokenFor('admin') });
    const created = await admin.auth.tokens.create.mutate({ name: 'survivor', role: 'operator' });
    const dataDir = server.dataDir;
    // The restarted server was given this directory, so it leaves it: remove it here.
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    await server.stop({ keepData: true });

    server = await startTestServer({ database: 'file', dataDir });
    const operator = createTensorNodeClient({ url: server.url, token: created.token });
    expect((await operator.health.check.query()).status).toBe('healthy');
    const again = createTensorNodeClient({ url: server.url, token: server.tokenFor('admin') });
    expect((await again.auth.tokens.list.query()).map((t) => t.name)).toContain('survivor');
  });
});

describe('operations endpoints', () => {
  it('serves Prometheus metrics with per-procedure counts', async () => {
    server = await startTestServer();
    const client = createTensorNodeClient({ url: server.url });
    await client.health.check.query();
    const text = await (await request(`${server.url}/metrics`)).body.text();
    expect(text).toMatch(
      /tensornode_trpc_requests_total\{procedure="health.check",type="query",code="OK"\} 1/,
    );
    expect(text).toContain('tensornode_trpc_request_duration_seconds_bucket');
    expect(text).toContain('tensornode_vm_deployments_total');
  });

  it('GET /health answers 503 naming the degraded dependency', async () => {
    server = await startTestServer();
    expect((await request(`${server.url}/health`)).statusCode).toBe(200);
    server.services.database.sqlite.close();
    const res = await request(`${server.url}/health`);
    expect(res.statusCode).toBe(503);
    const body = (await res.body.json()) as {
      status: string;
      services: Record<string, { status: string; error?: string }>;
    };
    expect(body.status).toBe('degraded');
    expect(body.services.db!.status).toBe('down');
    // Anonymous callers see which service is down, not why (a token cannot be checked without the db).
    expect(body.services.db!.error).toBeUndefined();
  });
});
