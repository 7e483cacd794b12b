import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildMinerServer } from './server.ts';

describe('miner server with the built-in solver', () => {
  let app: FastifyInstance;
  beforeAll(() => {
    app = buildMinerServer({ modelName: 'test-solver' });
  });
  afterAll(() => app.close());

  it('answers arithmetic through POST /api/chat', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/chat',
      payload: { prompt: 'what is 12 times 7' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ response: '12 × 7 = 84.\n#### 84', model: 'test-solver' });
  });

  it('says it does not know for anything else', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/chat',
      payload: { prompt: 'write me a poem' },
    });
    expect(res.json()).toEqual({ response: "I don't know how to answer that.", model: 'test-solver' });
  });

  it.each([
    ['missing prompt', {}],
    ['empty prompt', { prompt: '' }],
    ['prompt not a string', { prompt: 42 }],
    ['prompt too long', { prompt: '1'.repeat(20_001) }],
  ])('rejects a %s with 400 naming prompt', async (_name, payload) => {
    const res = await app.inject({ method: 'POST', url: '/api/chat', payload });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatch(/^prompt: /);
  });

  it('rejects a body that is not an object, or not JSON, with a 400 and no stack trace', async () => {
    const notObject = await app.inject({
      method: 'POST',
      url: '/api/chat',
      headers: { 'content-type': 'application/json' },
      payload: '"2+2"',
    });
    expect(notObject.statusCode).toBe(400);
    expect(notObject.json().error).toMatch(/^prompt: /);

    const malformed = await app.inject({
      method: 'POST',
      url: '/api/chat',
      headers: { 'content-type': 'application/json' },
      payload: '{"prompt": ',
    });
    expect(malformed.statusCode).toBe(400);
    expect(Object.keys(malformed.json())).toEqual(['error']);
    expect(malformed.body).not.toMatch(/at .+\.(js|ts):\d+/);
  });

  it('reports health with the model name and uptime', async () => {
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', model: 'test-solver', uptimeSeconds: expect.any(Number) });
  });
});

interface Received {
  path: string | undefined;
  authorization: string | undefined;
  body: unknown;
}

/** A tiny OpenAI-compatible chat endpoint on 127.0.0.1 that records what it received. */
async function startFakeModel(
  answer: (req: IncomingMessage, res: ServerResponse, body: unknown) => void,
): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body: unknown = text ? JSON.parse(text) : undefined;
    received.push({ path: req.url, authorization: req.headers.authorization, body });
    answer(req, res, body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/v1`, received };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

describe('miner server forwarding to an upstream model', () => {
  const servers: Server[] = [];
  const apps: FastifyInstance[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await Promise.all(
      servers.splice(0).map((server) => {
        server.closeAllConnections();
        return new Promise((resolve) => server.close(resolve));
      }),
    );
  });

  function miner(upstream: Parameters<typeof buildMinerServer>[0]['upstream']): FastifyInstance {
    const app = buildMinerServer({ modelName: 'unused-solver-name', upstream });
    apps.push(app);
    return app;
  }

  it('forwards the prompt as an OpenAI chat completion and answers its content', async () => {
    const fake = await startFakeModel((_req, res, body) => {
      const { model } = body as { model: string };
      sendJson(res, 200, {
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: 'Paris.' } }],
      });
    });
    servers.push(fake.server);
    const app = miner({ url: fake.url, model: 'llama3.2', apiKey: 'test-key-not-secret' });

    const res = await app.inject({
      method: 'POST',
      url: '/api/chat',
      payload: { prompt: 'Capital of France?' },
    });

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ response: 'Paris.', model: 'llama3.2' });
    expect(fake.received).toEqual([
      {
        path: '/v1/chat/completions',
        authorization: 'Bearer test-key-not-secret',
        body: { model: 'llama3.2', messages: [{ role: 'user', content: 'Capital of France?' }] },
      },
    ]);
    const health = await app.inject({ method: 'GET', url: '/health' });
    expect(health.json().model).toBe('llama3.2');
  });

  it('asks GET /models for a model when none is configured', async () => {
    const fake = await startFakeModel((req, res) => {
      if (req.url === '/v1/models')
        return sendJson(res, 200, { object: 'list', data: [{ id: 'qwen2.5:0.5b' }] });
      sendJson(res, 200, { choices: [{ message: { role: 'assistant', content: '4' } }] });
    });
    servers.push(fake.server);
    const app = miner({ url: `${fake.url}/` });

    const first = await app.inject({ method: 'POST', url: '/api/chat', payload: { prompt: '2+2' } });
    await app.inject({ method: 'POST', url: '/api/chat', payload: { prompt: '3+3' } });

    expect(first.json()).toEqual({ response: '4', model: 'qwen2.5:0.5b' });
    expect(fake.received.map((r) => r.path)).toEqual([
      '/v1/models',
      '/v1/chat/completions',
      '/v1/chat/completions',
    ]);
    expect(fake.received[0]?.authorization).toBeUndefined();
  });

  it('turns an upstream 500 into a 502 naming the upstream model', async () => {
    const fake = await startFakeModel((_req, res) =>
      sendJson(res, 500, { error: { message: 'CUDA out of memory' } }),
    );
    servers.push(fake.server);
    const app = miner({ url: fake.url, model: 'm', apiKey: 'test-key-not-secret' });

    const res = await app.inject({ method: 'POST', url: '/api/chat', payload: { prompt: '2+2' } });

    expect(res.statusCode).toBe(502);
    expect(res.json()).toEqual({ error: 'upstream model: HTTP 500 from POST /chat/completions' });
    expect(res.body).not.toContain('test-key-not-secret');
  });

  it('turns an answer without choices into a 502', async () => {
    const fake = await startFakeModel((_req, res) => sendJson(res, 200, { choices: [] }));
    servers.push(fake.server);
    const app = miner({ url: fake.url, model: 'm' });

    const res = await app.inject({ method: 'POST', url: '/api/chat', payload: { prompt: '2+2' } });

    expect(res.statusCode).toBe(502);
    expect(res.json().error).toBe('upstream model: response has no choices[0].message.content');
  });

  it('gives up on a slow upstream after its timeout with a 502', async () => {
    const fake = await startFakeModel(() => {
      // never answers
    });
    servers.push(fake.server);
    const app = miner({ url: fake.url, model: 'm', timeoutMs: 300 });

    const res = await app.inject({ method: 'POST', url: '/api/chat', payload: { prompt: '2+2' } });

    expect(res.statusCode).toBe(502);
    expect(res.json().error).toBe('upstream model: no answer within 300 ms');
  });

  it('reports an unreachable upstream as a 502', async () => {
    const fake = await startFakeModel(() => {});
    const url = fake.url;
    await new Promise((resolve) => fake.server.close(resolve));
    const app = miner({ url, model: 'm' });

    const res = await app.inject({ method: 'POST', url: '/api/chat', payload: { prompt: '2+2' } });

    expect(res.statusCode).toBe(502);
    expect(res.json().error).toBe('upstream model: unreachable (ECONNREFUSED)');
  });
});
