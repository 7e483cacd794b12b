import { startTestServer, type TestServer } from '@tensornode/api/testing';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './harness.ts';

let api: TestServer;
let browser: Browser;

beforeAll(async () => {
  [api, browser] = await Promise.all([startTestServer({ startJobs: false }), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await api?.stop();
});

describe('the API reference at /docs', () => {
  it('renders every REST operation in Chromium with nothing fetched from another host', async () => {
    const page = await browser.newPage();
    const outside: string[] = [];
    // Offline as far as the page can tell: anything not from the API server is refused and noted.
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.origin === new URL(api.url).origin || url.protocol === 'data:') return route.continue();
      outside.push(url.href);
      return route.abort();
    });
    await page.goto(`${api.url}/docs/`);
    await expect.poll(() => page.textContent('.info .title'), { timeout: 20_000 }).toMatch(/TensorNode API/);
    const operations = await page.$$eval('.opblock-summary', (blocks) =>
      blocks.map((b) =>
        [b.querySelector('.opblock-summary-method'), b.querySelector('.opblock-summary-path')]
          .map((e) => e?.textContent?.trim())
          .join(' '),
      ),
    );
    expect(operations.sort()).toEqual([
      'GET /deployments',
      'GET /health',
      'GET /leaderboard',
      'GET /rounds',
      'GET /rounds/{roundId}',
      'GET /vms',
      'GET /vms/{vmId}',
      'POST /deployments',
      'POST /rounds',
    ]);
    expect(outside).toEqual([]);
    await page.close();
  });
});
