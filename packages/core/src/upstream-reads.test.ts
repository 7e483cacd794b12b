import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from './errors.ts';
import { createMirrorClient } from './ledger/mirror-client.ts';
import { createFluenceProvider } from './vms/fluence/client.ts';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Headers at once, then one byte every 20 ms, forever: each read alone is quick, the answer never ends. */
function drip(_req: IncomingMessage, res: ServerResponse) {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"messages":[');
  const timer = setInterval(() => res.write(' '), 20);
  res.on('close', () => clearInterval(timer));
}

/** A well-formed JSON answer of about 6 MB. */
function huge(_req: IncomingMessage, res: ServerResponse) {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ messages: [], padding: 'x'.repeat(6 * 1024 * 1024) }));
}

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

describe('mirror reads', () => {
  it('end at a total deadline even while bytes keep dripping', async () => {
    const mirror = createMirrorClient(await serve(drip), { timeoutMs: 400 });
    const started = performance.now();
    const error = await failure(mirror.page('0.0.1001', {}));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(error.message).toMatch(/^hedera mirror: no complete answer within 400 ms/);
    expect(error.timedOut).toBe(true);
  });

  it('drop an answer larger than the cap, naming the mirror', async () => {
    const mirror = createMirrorClient(await serve(huge), { maxBodyBytes: 1024 * 1024 });
    const error = await failure(mirror.page('0.0.1001', {}));
    expect(error.message).toBe('hedera mirror: answered more than 1048576 bytes; answer dropped');
  });
});

describe('Fluence reads', () => {
  const provider = (url: string, extra: Partial<Parameters<typeof createFluenceProvider>[0]> = {}) =>
    createFluenceProvider({ apiKey: 'k'.repeat(32), baseUrl: url, retryBaseMs: 1, ...extra });

  it('end at a total deadline even while bytes keep dripping', async () => {
    const fluence = provider(await serve(drip), { timeoutMs: 400 });
    const started = performance.now();
    const error = await failure(fluence.defaultImages());
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(error.message).toMatch(/^Fluence: timed out after 400 ms/);
  });

  it('drop an answer larger than the cap, naming Fluence', async () => {
    const fluence = provider(await serve(huge), { maxResponseBytes: 1024 * 1024 });
    const error = await failure(fluence.defaultImages());
    expect(error.message).toBe('Fluence: answered more than 1048576 bytes; answer dropped');
  });

  it('stop retrying when the whole call’s deadline is spent', async () => {
    let calls = 0;
    const url = await serve((_req, res) => {
      calls++;
      // Each answer is slow and a failure: retries alone would take 20 × 150 ms.
      setTimeout(() => res.writeHead(503, { 'retry-after': '0' }).end('{"error":"busy"}'), 150);
    });
    const fluence = provider(url, { maxRetries: 20, totalTimeoutMs: 600 });
    const started = performance.now();
    const error = await failure(fluence.defaultImages());
    const elapsed = performance.now() - started;
    expect(error.message).toMatch(/^Fluence: /);
    expect(elapsed).toBeLessThan(1_500);
    expect(calls).toBeLessThan(8);
  });
});
