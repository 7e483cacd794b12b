import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { proxyTrpc } from '../src/server/trpc-proxy.ts';

// A stand-in API on 127.0.0.1 that records what reaches it: `slow.call` never answers.
let api: Server;
let apiUrl: string;
let seen: { path: string; authorization: string | undefined; body: string }[];

beforeAll(async () => {
  api = createServer(async (req: IncomingMessage, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    seen.push({ path: req.url ?? '', authorization: req.headers.authorization, body });
    if (req.url?.startsWith('/trpc/slow.call')) return; // hangs
    res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'leak=1' });
    res.end(JSON.stringify({ result: { data: { json: { path: req.url } } } }));
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});
afterAll(async () => {
  api.closeAllConnections();
  await new Promise((resolve) => api.close(resolve));
});
beforeEach(() => {
  seen = [];
});

const DASHBOARD = 'http://dashboard.test';
const proxy = (
  path: string,
  init: RequestInit = {},
  options: { timeoutMs?: number; maxBodyBytes?: number } = {},
) => proxyTrpc(new Request(`${DASHBOARD}${path}`, init), { apiUrl, token: 'tn_secret', ...options });
const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  ({
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
    duplex: 'half',
  }) as RequestInit;

describe('dashboard tRPC proxy', () => {
  it('forwards a procedure call with the bearer token, and nothing of the API but what it answers', async () => {
    const res = await proxy('/trpc/health.check,auth.whoami?batch=1&input=%7B%7D');
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(seen).toEqual([
      {
        path: '/trpc/health.check,auth.whoami?batch=1&input=%7B%7D',
        authorization: 'Bearer tn_secret',
        body: '',
      },
    ]);
  });

  it.each([
    '/trpc/x/..%2F..%2Fmetrics',
    '/trpc/..%2Fmetrics',
    '/trpc/%2E%2E/metrics',
    '/trpc/%2e%2e%2fv1%2fvms%2flocal-1%2ffiles',
    '/trpc/a/%2E%2E/%2E%2E/v1/vms',
    '/trpc/health.check/..',
    '/trpc/a/../../metrics',
    '/trpc/',
  ])('never lets %s reach the API', async (path) => {
    const res = await proxy(path);
    expect(res.status).toBe(404);
    expect(seen).toEqual([]);
  });

  it('forwards a mutation from the dashboard itself and refuses one without or from another Origin', async () => {
    const body = JSON.stringify({ json: { truth: '1', candidate: '1' } });
    const own = await proxy('/trpc/scoring.evaluate', post(body, { origin: DASHBOARD }));
    expect(own.status).toBe(200);
    expect(seen.map((s) => s.body)).toEqual([body]);

    for (const origin of [undefined, 'https://evil.example', 'null']) {
      const res = await proxy('/trpc/scoring.evaluate', post(body, origin ? { origin } : {}));
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { json: { message: string } } }).error.json.message).toMatch(
        /Cross-site request refused/,
      );
    }
    expect(seen).toHaveLength(1);
  });

  it('caps the body, by its declared length and while reading one sent without', async () => {
    const big = 'x'.repeat(2 * 1024 * 1024);
    const declared = await proxy(
      '/trpc/scoring.evaluate',
      post(big, { origin: DASHBOARD, 'content-length': String(big.length) }),
    );
    expect(declared.status).toBe(413);

    const chunk = new Uint8Array(64 * 1024);
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(chunk);
      },
    });
    const streamed = await proxy('/trpc/scoring.evaluate', post(endless, { origin: DASHBOARD }));
    expect(streamed.status).toBe(413);
    expect(pulled * chunk.byteLength).toBeLessThan(2 * 1024 * 1024); // stopped reading at the cap
    expect(seen).toEqual([]);
  });

  it('answers 504 when the API does not answer in time', async () => {
    const started = Date.now();
    const res = await proxy('/trpc/slow.call', {}, { timeoutMs: 300 });
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: { json: { data: { code: string } } } }).error.json.data.code).toBe(
      'GATEWAY_TIMEOUT',
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
