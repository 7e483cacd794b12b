import { createApiToken } from '@tensornode/core';
import { createDeploymentHostKeyStore } from '@tensornode/core/ssh';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createCaller } from './root.ts';
import { startBanner } from './run.ts';
import type { AppServices } from './services.ts';
import { createTestServices, startTestServer, type TestServer } from './testing.ts';
import { createInternalContext, resolveCaller } from './trpc.ts';

let server: TestServer | undefined;
let services: AppServices | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
  await services?.close();
  services = undefined;
});

function callerWith(secret: string) {
  return createCaller(createInternalContext(services!, resolveCaller(services!, secret).caller));
}

describe('audit records', () => {
  it('records operator and admin mutations with token, action, target and outcome; audit.list pages them', async () => {
    ({ services } = await createTestServices());
    const admin = createApiToken(services, { name: 'alice (admin)', role: 'admin' });
    const operator = createApiToken(services, { name: 'bob (operator)', role: 'operator' });
    const viewer = createApiToken(services, { name: 'carol (viewer)', role: 'viewer' });

    await callerWith(admin.token).auth.tokens.create({ name: 'ci', role: 'viewer' });
    await expect(callerWith(operator.token).vms.clearHostKey({ vmId: 'vm-1' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(callerWith(operator.token).deployments.release({ vmId: 'local-missing' })).rejects.toThrow();
    // A viewer's mutation and an admin's query are not privileged writes.
    await callerWith(viewer.token).auth.sessions.create();
    await callerWith(admin.token).auth.tokens.list();

    const page1 = await callerWith(admin.token).audit.list({ limit: 2 });
    const page2 = await callerWith(admin.token).audit.list({ limit: 2, cursor: page1.nextCursor! });
    expect(page2.nextCursor).toBeNull();
    const entries = [...page1.entries, ...page2.entries];
    expect(entries.map((e) => [e.tokenName, e.action, e.target, e.outcome])).toEqual([
      ['bob (operator)', 'deployments.release', 'vmId=local-missing', expect.not.stringMatching(/^ok$/)],
      ['bob (operator)', 'vms.clearHostKey', 'vmId=vm-1', 'FORBIDDEN'],
      ['alice (admin)', 'auth.tokens.create', 'name=ci role=viewer', 'ok'],
    ]);
    expect(entries[2]).toMatchObject({ tokenId: admin.record.id, at: expect.any(Date) });
    // The secret of the token created never lands in the audit log.
    const all = JSON.stringify(services.database.sqlite.prepare('select * from audit_log').all());
    expect(all).not.toContain('tn_');
  });
});

describe('vms.clearHostKey', () => {
  it('forgets the pinned host key so the next connection pins the rebuilt VM’s key', async () => {
    ({ services } = await createTestServices());
    const admin = createApiToken(services, { name: 'admin', role: 'admin' });
    const store = createDeploymentHostKeyStore(services.db, 'local');
    expect(store.trust('vm-rebuilt', 'SHA256:old-key')).toBe('SHA256:old-key');
    expect(store.trust('vm-rebuilt', 'SHA256:new-key')).toBe('SHA256:old-key'); // refused: still pinned

    expect(await callerWith(admin.token).vms.clearHostKey({ vmId: 'vm-rebuilt' })).toEqual({
      vmId: 'vm-rebuilt',
      previousFingerprint: 'SHA256:old-key',
    });
    expect(store.trust('vm-rebuilt', 'SHA256:new-key')).toBe('SHA256:new-key');
    await expect(callerWith(admin.token).vms.clearHostKey({ vmId: 'vm-unknown' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});

describe('HTTP', () => {
  it('GET /metrics needs the METRICS_TOKEN bearer when it is set', async () => {
    const metricsToken = 'metrics-scrape-secret-0123456789';
    server = await startTestServer({ env: { METRICS_TOKEN: metricsToken } });
    const get = (authorization?: string) =>
      request(`${server!.url}/metrics`, { headers: authorization ? { authorization } : {} });
    const bare = await get();
    expect(bare.statusCode).toBe(401);
    expect(await bare.body.text()).not.toContain(metricsToken);
    const wrong = await get(`Bearer ${server.tokenFor('admin')}`);
    expect(wrong.statusCode).toBe(401);
    await wrong.body.dump();
    const right = await get(`Bearer ${metricsToken}`);
    expect(right.statusCode).toBe(200);
    expect(await right.body.text()).toContain('tensornode_http_requests_total');
  });

  it('GET /metrics stays open without METRICS_TOKEN', async () => {
    server = await startTestServer();
    const res = await request(`${server.url}/metrics`);
    expect(res.statusCode).toBe(200);
    await res.body.dump();
  });

  it('an upload route call leaves an audit record with its outcome', async () => {
    server = await startTestServer();
    const operator = server.tokenFor('operator');
    const res = await request(`${server.url}/v1/vms/local-abc/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    await res.body.dump();
    const admin = server.tokenFor('admin');
    const listed = await request(
      `${server.url}/trpc/audit.list?input=${encodeURIComponent(JSON.stringify({ json: { limit: 10 } }))}`,
      { headers: { authorization: `Bearer ${admin}` } },
    );
    expect(listed.statusCode).toBe(200);
    const { entries } = ((await listed.body.json()) as { result: { data: { json: { entries: unknown[] } } } })
      .result.data.json;
    expect(entries).toEqual([
      expect.objectContaining({
        tokenName: 'test operator',
        action: 'POST /v1/vms/:vmId/files',
        target: 'vmId=local-abc',
        outcome: `http_${res.statusCode}`,
      }),
    ]);
  });
});

describe('start banner', () => {
  const created = {
    kind: 'created',
    token: 'tn_first-start-secret-0123456789',
    file: '/srv/data/admin-token',
  } as const;

  it('prints the first-start admin token only on a terminal, else where the 0600 file is', () => {
    const piped = startBanner('http://127.0.0.1:8000', created, { terminal: false });
    expect(piped).not.toContain(created.token);
    expect(piped).toContain('/srv/data/admin-token');
    expect(piped).toContain('0600');
    expect(startBanner('http://127.0.0.1:8000', created, { terminal: true })).toContain(created.token);
  });
});
