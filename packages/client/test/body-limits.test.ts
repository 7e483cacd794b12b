import { request as httpRequest } from 'node:http';
import { startTestServer, type TestServer } from '@tensornode/api/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createTensorNodeClient } from '../src/index.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const MB = 1024 * 1024;
const BOUNDARY = '----tensornode-test-boundary';

interface Sent {
  status: number;
  text: string;
  /** Bytes the client managed to send before the server answered or hung up. */
  sentBytes: number;
}

/**
 * POSTs a multipart body of `totalBytes` (one form field, streamed from one reused 64 KiB chunk so
 * this process never holds it), with or without a declared length; resolves with the answer.
 */
function postMultipart(
  url: string,
  token: string,
  totalBytes: number,
  declareLength: boolean,
): Promise<Sent> {
  const head = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="candidate"\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
  const chunk = Buffer.alloc(64 * 1024, 'a');
  const fill = totalBytes - head.length - tail.length;
  return new Promise((resolve, reject) => {
    let sentBytes = 0;
    let answered = false;
    const req = httpRequest(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
        ...(declareLength ? { 'content-length': String(totalBytes) } : {}),
      },
    });
    req.on('response', (res) => {
      answered = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, sentBytes }));
    });
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    const write = async () => {
      const send = (buf: Buffer) =>
        new Promise<void>((ok) => {
          sentBytes += buf.length;
          if (req.write(buf)) ok();
          else req.once('drain', ok);
        });
      await send(head);
      for (let left = fill; left > 0 && !answered && !req.destroyed; left -= chunk.length) {
        await send(left >= chunk.length ? chunk : chunk.subarray(0, left));
      }
      if (!answered && !req.destroyed) req.end(tail);
    };
    write().catch(() => {});
  });
}

/** Runs `task` while sampling this process's RSS; the server runs in this process. */
async function peakRssGrowth(task: () => Promise<Sent>): Promise<{ sent: Sent; growthMb: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  try {
    const sent = await task();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { sent, growthMb: (peak - before) / MB };
  } finally {
    clearInterval(sampler);
  }
}

describe('request bodies are bounded before they are read', () => {
  it('a 60 MB multipart POST to /trpc/scoring.evaluate by a signed-in viewer gets 413, RSS grows < 20 MB', {
    timeout: 60_000,
  }, async () => {
    server = await startTestServer();
    const viewer = server.tokenFor('viewer');
    const url = `${server.url}/trpc/scoring.evaluate`;

    const declared = await peakRssGrowth(() => postMultipart(url, viewer, 60 * MB, true));
    console.log(
      `60 MB multipart with Content-Length: HTTP ${declared.sent.status}, server RSS +${declared.growthMb.toFixed(1)} MB, ` +
        `${(declared.sent.sentBytes / MB).toFixed(1)} MB sent before the answer`,
    );
    expect(declared.sent.status).toBe(413);
    expect(JSON.parse(declared.sent.text)).toMatchObject({ error: 'Payload Too Large', field: 'body' });
    expect(declared.growthMb).toBeLessThan(20);

    // An operator, who may call the procedure, is refused the same way, before its body is read.
    const operatorToken = server.tokenFor('operator');
    const asOperator = await peakRssGrowth(() => postMultipart(url, operatorToken, 60 * MB, true));
    console.log(
      `60 MB multipart by an operator: HTTP ${asOperator.sent.status}, server RSS +${asOperator.growthMb.toFixed(1)} MB`,
    );
    expect(asOperator.sent.status).toBe(413);
    expect(asOperator.growthMb).toBeLessThan(20);

    // Without a declared length (chunked) the body is refused from its type, also unread.
    const chunked = await peakRssGrowth(() => postMultipart(url, viewer, 60 * MB, false));
    console.log(
      `60 MB multipart, chunked: HTTP ${chunked.sent.status}, server RSS +${chunked.growthMb.toFixed(1)} MB`,
    );
    expect(chunked.sent.status).toBe(415);
    expect(chunked.growthMb).toBeLessThan(20);

    // The server is still well, and JSON calls work as before.
    const operator = createTensorNodeClient({ url: server.url, token: server.tokenFor('operator') });
    expect(await operator.scoring.evaluate.mutate({ truth: '42', candidate: '42' })).toMatchObject({
      score: 100,
    });
  });

  it('an upload route answers 413 from the declared length, before reading the file', async () => {
    server = await startTestServer({ uploadLimitBytes: 1 * MB });
    const sent = await postMultipart(
      `${server.url}/v1/vms/local-000000000000/files`,
      server.tokenFor('operator'),
      60 * MB,
      true,
    );
    expect(sent.status).toBe(413);
    expect(sent.sentBytes).toBeLessThan(60 * MB);
  });

  it('a JSON call over the limit gets 413 whether its length is declared or not', async () => {
    server = await startTestServer();
    const token = server.tokenFor('operator');
    const body = JSON.stringify({ json: { truth: '1', candidate: 'x'.repeat(2 * MB) } });
    for (const declare of [true, false]) {
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(`${server!.url}/trpc/scoring.evaluate`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            ...(declare ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
          },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(body);
      });
      expect(status).toBe(413);
    }
  });
});
