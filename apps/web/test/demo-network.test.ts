import { startTestServer, type TestServer } from '@tensornode/api/testing';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchChromium,
  type RunningDashboard,
  screenshotBothWidths,
  signedInContext,
  startDashboard,
} from './harness.ts';

let api: TestServer;
let web: RunningDashboard;
let browser: Browser;

beforeAll(async () => {
  // As the start path runs it: embedded defaults, the devnet, and the demo network on a first start.
  api = await startTestServer({
    database: 'file',
    ledger: true,
    demoNetwork: true,
    env: { SCHEDULE_INTERVAL_SECONDS: '2' },
    rateLimits: { perMinute: 100_000, perHour: 100_000, deployPerMinute: 1_000 },
  });
  [web, browser] = await Promise.all([startDashboard(api.url), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await web?.stop();
  await api?.stop();
});

describe('the demo network on a fresh start', () => {
  it('fills the leaderboard with the three demo miners, with no action but signing in', {
    timeout: 240_000,
  }, async () => {
    const context = await signedInContext(browser, web.url, api.tokenFor('viewer'));
    const page = await context.newPage();
    await page.goto('/leaderboard');
    // The page polls on its own; nothing is clicked or reloaded while the rounds arrive.
    const rows = page.getByTestId('leaderboard').locator('tbody tr');
    await expect.poll(() => rows.count(), { timeout: 150_000, interval: 1_000 }).toBe(3);
    const outcome = await api.services.demoNetwork;
    expect(outcome?.kind).toBe('created');
    const accounts = outcome?.kind === 'created' ? outcome.miners.map((m) => m.accountId) : [];
    const shown: string[] = [];
    for (const row of await rows.all()) {
      const cells = await row.locator('td').allTextContents();
      shown.push(cells[1] ?? '');
      expect(Number(cells[4])).toBeGreaterThanOrEqual(1);
    }
    expect(shown.sort()).toEqual([...accounts].sort());
    await screenshotBothWidths(page, 'leaderboard-demo-network');
    await context.close();
  });
});
