import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, expect, it, onTestFinished } from 'vitest';
import { startTestServer, type TestServer } from './testing.ts';

let server: TestServer | undefined;
afterEach(async () => server?.stop());

it('writes request logs with a request id to LOG_FILE, never the bearer token or secret settings', async () => {
  const logDir = mkdtempSync(join(tmpdir(), 'tensornode-log-'));
  onTestFinished(() => rmSync(logDir, { recursive: true, force: true }));
  const logFile = join(logDir, 'api.log');
  const openAiKey = 'sk-test-never-in-logs-0123456789';
  server = await startTestServer({
    env: { LOG_LEVEL: 'info', LOG_FILE: logFile, OPENAI_API_KEY: openAiKey },
  });
  const token = server.tokenFor('admin');
  const res = await request(`${server.url}/trpc/auth.tokens.list`, {
    headers: { authorization: `Bearer ${token}`, 'x-request-id': 'trace-abc-123' },
  });
  expect(res.statusCode).toBe(200);
  expect(res.headers['x-request-id']).toBe('trace-abc-123');
  await res.body.dump();
  server.services.log.info(`configured judge key is ${openAiKey}`);
  await server.stop();
  server = undefined;

  // pino's async destination flushes on close: wait until the last line written is in the file.
  const read = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  await expect.poll(read, { timeout: 5_000, interval: 20 }).toContain('configured judge key is');
  const log = read();
  expect(log).toContain('"reqId":"trace-abc-123"');
  expect(log).toContain('[REDACTED]');
  expect(log).not.toContain(token);
  expect(log).not.toContain(openAiKey);
  expect(statSync(logFile).mode & 0o777).toBe(0o600);
});
