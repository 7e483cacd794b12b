import { startTestServer, type TestServer } from '@tensornode/api/testing';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createTensorNodeClient, errorCode } from '../src/index.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

type Client = ReturnType<typeof createTensorNodeClient>;

/**
 * Opens a progress stream; resolves with the error that refused it, or once it has stayed open for
 * a moment (a refusal arrives as the stream's first event, after the connection opens).
 */
function openStream(client: Client): Promise<{ close(): void; error?: unknown }> {
  return new Promise((resolve) => {
    const sub = client.validation.onProgress.subscribe(
      {},
      {
        onStarted: () => setTimeout(() => resolve({ close: () => sub.unsubscribe() }), 400),
        onError: (error) => {
          sub.unsubscribe();
          resolve({ close() {}, error });
        },
      },
    );
  });
}

describe('round progress streams over HTTP', () => {
  it('a token holds at most PROGRESS_STREAMS_PER_TOKEN streams; closing one frees its place', async () => {
    server = await startTestServer({ env: { PROGRESS_STREAMS_PER_TOKEN: '3' } });
    const viewer = createTensorNodeClient({ url: server.url, token: server.tokenFor('viewer') });
    const open = await Promise.all([openStream(viewer), openStream(viewer), openStream(viewer)]);
    expect(open.map((s) => s.error)).toEqual([undefined, undefined, undefined]);

    const fourth = await openStream(viewer);
    expect(errorCode(fourth.error)).toBe('TOO_MANY_REQUESTS');
    expect((fourth.error as Error).message).toMatch(/at most 3 progress streams per API token/);
    // Another token has its own allowance.
    const other = createTensorNodeClient({ url: server.url, token: server.tokenFor('viewer') });
    const theirs = await openStream(other);
    expect(theirs.error).toBeUndefined();

    open[0]!.close();
    await expect
      .poll(async () => {
        const again = await openStream(viewer);
        again.close();
        return again.error;
      })
      .toBeUndefined();
    for (const s of [...open, theirs]) s.close();
  });

  it('sends keep-alive pings on an idle stream', { timeout: 20_000 }, async () => {
    server = await startTestServer();
    const input = encodeURIComponent(JSON.stringify({ json: {} }));
    const controller = new AbortController();
    const res = await request(`${server.url}/trpc/validation.onProgress?input=${input}`, {
      headers: { authorization: `Bearer ${server.tokenFor('viewer')}`, accept: 'text/event-stream' },
      signal: controller.signal,
    });
    expect(res.headers['content-type']).toMatch(/text\/event-stream/);
    let text = '';
    const started = Date.now();
    try {
      for await (const chunk of res.body) {
        text += chunk.toString();
        if (/event: ping/.test(text)) break;
      }
    } finally {
      controller.abort();
    }
    expect(text).toMatch(/event: ping/);
    // Nothing else happened, yet the stream spoke within the ping interval.
    expect(Date.now() - started).toBeLessThan(12_000);
  });
});
