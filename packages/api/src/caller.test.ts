import * as core from '@tensornode/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from './testing.ts';

// Every bearer lookup goes through core's authenticateBearer; counting its calls counts lookups.
vi.mock('@tensornode/core', async (importOriginal) => {
  const original = await importOriginal<typeof import('@tensornode/core')>();
  return { ...original, authenticateBearer: vi.fn(original.authenticateBearer) };
});
const lookups = vi.mocked(core.authenticateBearer);

let server: TestServer;
let viewer: string;
let operator: string;
beforeAll(async () => {
  server = await startTestServer({ startJobs: false });
  viewer = server.tokenFor('viewer');
  operator = server.tokenFor('operator');
});
afterAll(async () => server?.stop());
beforeEach(() => {
  lookups.mockClear();
});

const batchOfThree = `/trpc/auth.whoami,schedule.get,deployments.list?batch=1&input=${encodeURIComponent('{}')}`;

describe('the caller of a request', () => {
  it('is looked up once for a batch of three calls, though rate limits and every call read it', async () => {
    const res = await server.app.inject({
      url: batchOfThree,
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect(res.statusCode).toBe(200);
    const results = res.json() as { result?: unknown; error?: unknown }[];
    expect(results).toHaveLength(3);
    expect(results.every((r) => r.result && !r.error)).toBe(true);
    expect(lookups).toHaveBeenCalledTimes(1);
  });

  it('is looked up once for a REST upload, though the rate limit, the route and the audit hook read it', async () => {
    const res = await server.app.inject({
      method: 'POST',
      url: '/v1/vms/not a vm/files',
      headers: { authorization: `Bearer ${operator}` },
    });
    expect(res.statusCode).toBe(400);
    expect(lookups).toHaveBeenCalledTimes(1);
  });

  it('is not looked up without a bearer token, and the refusal still says what is missing', async () => {
    const res = await server.app.inject({ url: batchOfThree });
    const results = res.json() as { error?: { json: { message: string; data: { httpStatus: number } } } }[];
    expect(results.map((r) => r.error?.json.data.httpStatus)).toEqual([401, 401, 401]);
    expect(results[0]?.error?.json.message).toBe('An API token is required (Authorization: Bearer …)');
    expect(lookups).not.toHaveBeenCalled();
  });

  it('answers REST refusals with the standard reason phrase: 401 without a token, 403 for too low a role', async () => {
    const anonymous = await server.app.inject({ method: 'POST', url: '/v1/vms/vm-1/files' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toEqual({
      error: 'Unauthorized',
      message: 'An API token is required (Authorization: Bearer …)',
    });
    const low = await server.app.inject({
      method: 'POST',
      url: '/v1/vms/vm-1/files',
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect(low.statusCode).toBe(403);
    expect(low.json()).toEqual({
      error: 'Forbidden',
      message: 'This needs the operator role; your token has viewer',
    });
  });
});
