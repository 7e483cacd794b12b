import { compileErrors, dereference, validate } from '@readme/openapi-parser';
import { startTestServer, type TestServer } from '@tensornode/api/testing';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FluenceNetwork, startFluenceNetwork } from './fluence-network.ts';

interface OpenApiDocument {
  openapi: string;
  servers?: { url: string }[];
  paths: Record<string, Record<string, OperationObject>>;
}
interface OperationObject {
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}

let network: FluenceNetwork | undefined;
let server: TestServer;
let tokens: { admin: string; operator: string; viewer: string };

async function rest(method: string, path: string, options: { token?: string; body?: unknown } = {}) {
  const res = await request(`${server.url}${path}`, {
    method: method as 'GET',
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await res.body.text();
  const contentType = String(res.headers['content-type'] ?? '');
  return {
    status: res.statusCode,
    headers: res.headers,
    body: contentType.includes('json') ? JSON.parse(text) : text,
  };
}

beforeAll(async () => {
  network = await startFluenceNetwork();
  server = network.server;
  tokens = {
    admin: server.tokenFor('admin'),
    operator: server.tokenFor('operator'),
    viewer: server.tokenFor('viewer'),
  };
});
afterAll(async () => {
  await network?.close();
});

describe('REST surface described by OpenAPI', () => {
  it('serves an OpenAPI 3.1 document that a validator accepts', async () => {
    const { status, body } = await rest('GET', '/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toMatch(/^3\.1\./);
    const result = await validate(structuredClone(body));
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    expect(Object.keys(body.paths).sort()).toEqual([
      '/deployments',
      '/health',
      '/leaderboard',
      '/rounds',
      '/rounds/{roundId}',
      '/vms',
      '/vms/{vmId}',
    ]);
    // Only health and the leaderboard are open without a token.
    const open = Object.entries(body.paths as OpenApiDocument['paths']).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, op]) => !op.security?.length)
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(open.sort()).toEqual(['GET /health', 'GET /leaderboard']);
  });

  it('runs a round through REST calls, and every documented GET answers with a body matching its schema', {
    timeout: 60_000,
  }, async () => {
    const admin = await rest('POST', '/trpc/keys.generate', { token: tokens.admin, body: { json: {} } });
    expect(admin.status).toBe(200);
    for (const i of [1, 2]) {
      const allocated = await rest('POST', '/v1/deployments', {
        token: tokens.operator,
        body: { minerAddress: `0.0.${7100 + i}`, instanceName: `rest-miner-${i}` },
      });
      expect(allocated.status).toBe(200);
      expect(allocated.body.deployment).toMatchObject({ minerAddress: `0.0.${7100 + i}`, status: 'active' });
    }
    let vms: { id: string; status: string; publicIp: string | null }[] = [];
    for (let attempt = 0; attempt < 20; attempt++) {
      vms = (await rest('GET', '/v1/vms', { token: tokens.viewer })).body;
      if (vms.filter((v) => v.status === 'Active' && v.publicIp).length >= 2) break;
    }
    const round = await rest('POST', '/v1/rounds', {
      token: tokens.operator,
      body: { prompt: 'What is 6 × 7?', truth: '42', timeoutMs: 5000 },
    });
    expect(round.status).toBe(200);
    expect(round.body.answers).toHaveLength(2);
    expect(typeof round.body.startedAt).toBe('string'); // plain JSON: dates as ISO strings

    const document = (await dereference(
      (
        await rest('GET', '/openapi.json')
      ).body,
    )) as unknown as OpenApiDocument;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const pathValues: Record<string, string> = { vmId: vms[0]!.id, roundId: round.body.id };
    const checked: string[] = [];
    for (const [template, item] of Object.entries(document.paths)) {
      const operation = item.get;
      if (!operation) continue;
      const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(pathValues[name]!));
      const response = await rest('GET', `/v1${path}`, { token: tokens.viewer });
      expect(response.status, `GET ${template}: ${JSON.stringify(response.body)}`).toBe(200);
      const schema = operation.responses['200']?.content?.['application/json']?.schema;
      expect(schema, `GET ${template} documents its response`).toBeDefined();
      const matches = ajv.validate(schema!, response.body);
      expect(matches, `GET ${template}: ${ajv.errorsText()}`).toBe(true);
      if (Array.isArray(response.body))
        expect(response.body.length, `GET ${template} is empty`).toBeGreaterThan(0);
      checked.push(template);
    }
    expect(checked.sort()).toEqual([
      '/deployments',
      '/health',
      '/leaderboard',
      '/rounds',
      '/rounds/{roundId}',
      '/vms',
      '/vms/{vmId}',
    ]);

    const board = await rest('GET', '/v1/leaderboard?limit=5');
    expect(board.body.find((m: { minerAddress: string }) => m.minerAddress === '0.0.7101')).toMatchObject({
      emaScore: 100,
      rounds: 1,
    });
    const page = await rest('GET', '/v1/rounds?limit=1', { token: tokens.viewer });
    expect(page.body.items.map((r: { id: string }) => r.id)).toEqual([round.body.id]);
  });

  it('applies the same bearer auth, roles and error mapping as tRPC', async () => {
    expect((await rest('GET', '/v1/vms')).status).toBe(401);
    const revokedOrBad = await rest('GET', '/v1/vms', { token: 'tn_not-a-real-token' });
    expect(revokedOrBad.status).toBe(401);
    expect(revokedOrBad.body.message).toMatch(/invalid or revoked/i);

    const forbidden = await rest('POST', '/v1/rounds', {
      token: tokens.viewer,
      body: { prompt: 'p', truth: 't' },
    });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringMatching(/operator role/),
    });

    const badLimit = await rest('GET', '/v1/rounds?limit=0', { token: tokens.viewer });
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.issues.map((i: { path: string[] }) => i.path.join('.'))).toEqual(['limit']);

    const badVmId = await rest('GET', '/v1/vms/not-a-vm%3Brm%20-rf', { token: tokens.viewer });
    expect(badVmId.status).toBe(400);
    expect(badVmId.body).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^vmId: /) });

    const missing = await rest('GET', '/v1/rounds/00000000-0000-4000-8000-000000000000', {
      token: tokens.viewer,
    });
    expect(missing.status).toBe(404);
    expect(JSON.stringify(missing.body)).not.toMatch(/stack|at \//);

    // "false" must not read as true; anything but true/false is refused naming the field.
    expect((await rest('GET', '/v1/leaderboard?includeUnassigned=false')).status).toBe(200);
    expect((await rest('GET', '/v1/leaderboard?includeUnassigned=true')).status).toBe(401);
    const notBoolean = await rest('GET', '/v1/leaderboard?includeUnassigned=yes');
    expect(notBoolean.status).toBe(400);
    expect(notBoolean.body.message).toMatch(/^includeUnassigned: /);

    const badBody = await rest('POST', '/v1/deployments', {
      token: tokens.operator,
      body: { minerAddress: 'x' },
    });
    expect(badBody.status).toBe(400);
    expect(badBody.body.issues.map((i: { path: string[] }) => i.path.join('.')).sort()).toEqual(
      expect.arrayContaining(['instanceName']),
    );
  });

  it('serves the API reference from the package, with every asset local', async () => {
    const page = await request(`${server.url}/docs/`);
    expect(page.statusCode).toBe(200);
    const html = await page.body.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(2);
    for (const asset of assets) {
      expect(asset, 'no asset from another host').not.toMatch(/^(?:https?:)?\/\//);
      const res = await request(new URL(asset, `${server.url}/docs/`));
      await res.body.dump();
      expect(res.statusCode, asset).toBe(200);
    }
    const initializer = await (await request(`${server.url}/docs/static/swagger-initializer.js`)).body.text();
    // The UI loads the document from this server and validates nothing elsewhere.
    expect(initializer).toContain("url: resolveUrl('./json')");
    expect(initializer).toMatch(/validatorUrl: null/);
    const described = await request(`${server.url}/docs/json`);
    expect((await described.body.json()) as { openapi: string }).toMatchObject({
      openapi: expect.stringMatching(/^3\.1/),
    });
  });
});

describe('REST rate limits', () => {
  it('counts REST allocations against the deploy budget and answers 429 with Retry-After', async () => {
    const limited = await startTestServer({
      rateLimits: { perMinute: 100, perHour: 1000, deployPerMinute: 1 },
      startJobs: false,
    });
    try {
      const token = limited.tokenFor('operator');
      const allocate = () =>
        request(`${limited.url}/v1/deployments`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ minerAddress: '0.0.9001', instanceName: 'limited' }),
        });
      const first = await allocate();
      await first.body.dump();
      expect(first.statusCode).not.toBe(429);
      const second = await allocate();
      expect(second.statusCode).toBe(429);
      expect(Number(second.headers['retry-after'])).toBeGreaterThan(0);
      expect(((await second.body.json()) as { message: string }).message).toMatch(/per minute on deploy/);
    } finally {
      await limited.stop();
    }
  });
});
