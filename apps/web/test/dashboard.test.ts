import { startTestServer, type TestServer } from '@tensornode/api/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  errorText,
  launchChromium,
  type RunningDashboard,
  screenshotBothWidths,
  signedInContext,
  startDashboard,
  VIEWPORTS,
} from './harness.ts';

let api: TestServer;
let web: RunningDashboard;
let browser: Browser;
let admin: BrowserContext;
let viewer: BrowserContext;
let page: Page;

beforeAll(async () => {
  // A file database, as `pnpm start` uses; generous limits, the suite makes many calls in a minute.
  api = await startTestServer({
    database: 'file',
    ledger: true,
    rateLimits: { perMinute: 100_000, perHour: 100_000, deployPerMinute: 1_000 },
  });
  [web, browser] = await Promise.all([startDashboard(api.url), launchChromium()]);
  admin = await signedInContext(browser, web.url, api.tokenFor('admin'));
  viewer = await signedInContext(browser, web.url, api.tokenFor('viewer'));
  page = await admin.newPage();
});

afterAll(async () => {
  await browser?.close();
  await web?.stop();
  await api?.stop();
});

describe('sign-in', () => {
  it('refuses an unknown token with a message, and shows the role once signed in', async () => {
    const context = await browser.newContext({ baseURL: web.url, viewport: VIEWPORTS.phone });
    const signIn = await context.newPage();
    await signIn.goto('/');
    await signIn.waitForURL('**/sign-in');
    await signIn.getByLabel('API token').fill('tn_not-a-real-token-000000000000000000000000');
    await signIn.getByRole('button', { name: 'Sign in' }).click();
    await expect(errorText(signIn)).resolves.toMatch(/unknown, expired or revoked/);
    await screenshotBothWidths(signIn, 'sign-in');
    await context.close();

    await page.goto('/');
    await expect(page.getByTestId('role').textContent()).resolves.toBe('admin');
    await expect(page.getByTestId('health-status').textContent()).resolves.toBe('healthy');
    await screenshotBothWidths(page, 'overview');
  });

  it('keeps the token out of page scripts (httpOnly cookie)', async () => {
    const cookies = await admin.cookies();
    const token = cookies.find((c) => c.name === 'tn_session');
    expect(token).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    await page.goto('/');
    await expect(page.evaluate(() => document.cookie)).resolves.not.toContain('tn_session');
  });
});

describe('settings', () => {
  it("shows the server's field error on bad input, and creates a token", async () => {
    await page.goto('/settings');
    await page.getByRole('button', { name: 'Create token' }).click();
    await expect(errorText(page.getByRole('region', { name: 'API tokens' }))).resolves.toMatch(/^name: /);

    await page.getByLabel('Name').fill('dashboard test');
    await page.getByRole('button', { name: 'Create token' }).click();
    await expect(page.getByTestId('new-token').textContent()).resolves.toMatch(/tn_/);
    await page.getByRole('cell', { name: 'dashboard test' }).waitFor();
    await screenshotBothWidths(page, 'settings');
  });
});

describe('VMs', () => {
  it("shows the server's field error for a bad wallet address", async () => {
    await page.goto('/vms');
    await page.getByLabel('Wallet address').fill('not-an-account');
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await expect(errorText(page)).resolves.toMatch(/^walletAddress: must be a Hedera account id/);
  });

  it('deploys two local VMs and lists them', async () => {
    await page.goto('/vms');
    await page.getByLabel('Wallet address').fill('');
    await page.getByLabel('Instance name').fill('browser-miner');
    await page.getByLabel('Instances').fill('2');
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Deployed' }).waitFor({ timeout: 60_000 });
    const rows = page.getByTestId('vm-table').locator('tbody tr');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(2);
    await expect(rows.first().textContent()).resolves.toContain('browser-miner');
    // The page keeps polling while the miners start; both turn Active without a reload. (The VM
    // status badge, not row text: a text match is case-insensitive and 'inactive' would match.)
    await expect
      .poll(() => rows.locator('.status-Active').count(), { timeout: 90_000, interval: 1000 })
      .toBe(2);
    await screenshotBothWidths(page, 'vms');
  });

  it('allocates both new VMs to miners, reusing them rather than deploying more', async () => {
    await page.goto('/deployments');
    for (const [minerAddress, instanceName] of [
      ['0.0.1001', 'miner-a'],
      ['0.0.1002', 'miner-b'],
    ]) {
      await page.getByLabel('Miner address').fill(minerAddress!);
      await page.getByLabel('Instance name').fill(instanceName!);
      await page.getByRole('button', { name: 'Allocate' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: `Reused VM` })
        .filter({ hasText: minerAddress! })
        .waitFor();
    }
    await page.getByRole('cell', { name: 'miner-b' }).waitFor();
    await expect(page.locator('tbody tr').count()).resolves.toBe(2);
    await screenshotBothWidths(page, 'deployments');
  });
});

describe('validation', () => {
  it('runs a round, shows each answer arrive live, then the scores', async () => {
    await page.goto('/validation');
    await expect.poll(() => page.getByTestId('live-status').textContent(), { timeout: 15_000 }).toBe('live');
    await page.getByLabel('Prompt').fill('What is 17 * 3?');
    await page.getByLabel('Ground truth').fill('51');
    await page.getByRole('button', { name: 'Run round' }).click();

    const live = page.getByTestId('live-answers').locator('tbody tr');
    await expect.poll(() => live.count(), { timeout: 30_000 }).toBe(2);
    await page.getByTestId('round-scores').waitFor({ timeout: 60_000 });
    const scores = page.getByTestId('round-scores').locator('tbody tr');
    await expect(scores.count()).resolves.toBe(2);
    await expect(page.getByTestId('live-answers').textContent()).resolves.toMatch(/scored/);
    await expect(page.getByTestId('round-scores').textContent()).resolves.toContain('0.0.1001');
    await screenshotBothWidths(page, 'validation');
  });

  it('lists the round, opens it, and verifies it on the ledger', async () => {
    await page.goto('/rounds');
    const first = page.getByTestId('rounds').locator('tbody tr').first();
    await first.waitFor();
    await screenshotBothWidths(page, 'rounds');
    await first.getByRole('link').click();
    await page.waitForURL('**/rounds/*');
    await page.getByTestId('ledger-status').waitFor();
    // The outbox submits in the background: ask again until the ledger has the message.
    const verify = page.getByRole('button', { name: 'Verify on the ledger' });
    await expect
      .poll(
        async () => {
          await verify.click();
          await page.getByTestId('verify-result').waitFor();
          return page.getByTestId('verify-result').textContent();
        },
        { timeout: 30_000, interval: 500 },
      )
      .toMatch(/^Verified: the message on the ledger matches this round/);
    await page.reload();
    await expect(page.getByTestId('ledger-status').textContent()).resolves.toMatch(/^(submitted|confirmed)$/);
    await screenshotBothWidths(page, 'round');
  });

  it('shows the miners on the leaderboard with their moving average charted', async () => {
    await page.goto('/leaderboard');
    await page.getByTestId('leaderboard').waitFor();
    await expect(page.getByTestId('leaderboard').locator('tbody tr').count()).resolves.toBe(2);
    await page.getByRole('img', { name: 'Score moving average per miner' }).waitFor();
    await expect(page.locator('.chart polyline').count()).resolves.toBe(2);
    await screenshotBothWidths(page, 'leaderboard');
  });

  it('shows the ledger, the rewards preview and the overview with the new data', async () => {
    await page.goto('/ledger');
    await page.getByTestId('topic-messages').waitFor({ timeout: 30_000 });
    await screenshotBothWidths(page, 'ledger');
    await page.goto('/rewards');
    await page.getByRole('cell', { name: '0.0.1001' }).waitFor();
    await screenshotBothWidths(page, 'rewards');
    await page.goto('/');
    await page.getByTestId('vm-counts').waitFor();
    await page.getByRole('link', { name: /UTC/ }).first().waitFor();
    await screenshotBothWidths(page, 'overview-with-data');
  });
});

describe('a viewer', () => {
  it('does not see admin actions, and the API refuses them through the proxy anyway', async () => {
    const viewerPage = await viewer.newPage();
    await viewerPage.goto('/settings');
    await expect(viewerPage.getByTestId('role').textContent()).resolves.toBe('viewer');
    await expect(viewerPage.getByRole('button', { name: 'Create token' }).count()).resolves.toBe(0);

    const refused = await viewerPage.request.post('/trpc/auth.tokens.create', {
      data: { json: { name: 'sneaky', role: 'admin' } },
    });
    expect(refused.status()).toBe(403);
    expect((await refused.json()).error.json.data.code).toBe('FORBIDDEN');

    await viewerPage.goto('/vms');
    await viewerPage.getByTestId('vm-table').waitFor();
    await expect(viewerPage.getByRole('button', { name: 'Deploy', exact: true }).count()).resolves.toBe(0);
    await expect(viewerPage.getByRole('button', { name: 'Delete' }).count()).resolves.toBe(0);
    const deploy = await viewerPage.request.post('/trpc/vms.deploy', { data: { json: { instances: 1 } } });
    expect(deploy.status()).toBe(403);
    expect((await deploy.json()).error.json.data.code).toBe('FORBIDDEN');
    await viewerPage.close();
  });
});
