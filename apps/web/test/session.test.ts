import { startTestServer, type TestServer } from '@tensornode/api/testing';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchChromium,
  type RunningDashboard,
  screenshotBothWidths,
  startDashboard,
  VIEWPORTS,
} from './harness.ts';

let api: TestServer;
let web: RunningDashboard;
let browser: Browser;

beforeAll(async () => {
  api = await startTestServer({
    rateLimits: { perMinute: 100_000, perHour: 100_000, deployPerMinute: 1_000 },
  });
  [web, browser] = await Promise.all([startDashboard(api.url), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await web?.stop();
  await api?.stop();
});

/** What the API answers `auth.whoami` with this bearer: 200 or 401. */
async function whoamiStatus(bearer: string): Promise<number> {
  const res = await fetch(`${api.url}/trpc/auth.whoami`, { headers: { authorization: `Bearer ${bearer}` } });
  await res.arrayBuffer();
  return res.status;
}

describe('dashboard session', () => {
  it('keeps a session secret in the cookie, not the API token, and sign-out ends it at the API', async () => {
    const token = api.tokenFor('admin');
    const context = await browser.newContext({ baseURL: web.url, viewport: VIEWPORTS.laptop });
    const page = await context.newPage();
    await page.goto('/sign-in');
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/');

    const cookie = (await context.cookies()).find((c) => c.name === 'tn_session');
    expect(cookie).toBeDefined();
    expect(cookie!.value).not.toBe(token);
    expect(cookie!.value).not.toContain(token.slice(3));
    expect(cookie!.value).toMatch(/^tns_/);
    // Served on http://127.0.0.1: a Secure cookie would not come back over plain http.
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: false });
    const session = cookie!.value;
    expect(await whoamiStatus(session)).toBe(200);

    // The audit page lists what this admin did through the dashboard.
    await page.goto('/settings');
    await page.getByLabel('Name').fill('made in the dashboard');
    await page.getByLabel('Expires').selectOption('30');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByTestId('new-token').waitFor();
    const tokenRow = page.getByRole('row', { name: /made in the dashboard/ });
    const expires = (await tokenRow.getByRole('cell').nth(5).textContent()) ?? '';
    const days = (Date.parse(expires.replace(' UTC', 'Z').replace(',', '')) - Date.now()) / 86_400_000;
    expect({ expires, inAboutThirtyDays: days > 29 && days <= 30 }).toEqual({
      expires,
      inAboutThirtyDays: true,
    });
    await page.getByRole('link', { name: 'Audit' }).click();
    const row = page.getByTestId('audit').getByRole('row', { name: /auth\.tokens\.create/ });
    await expect(row.textContent()).resolves.toMatch(
      /test admin.*auth\.tokens\.create.*name=made in the dashboard.*ok/,
    );
    await screenshotBothWidths(page, 'audit');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/sign-in');
    expect(await whoamiStatus(session)).toBe(401);
    // The token itself is untouched by signing out.
    expect(await whoamiStatus(token)).toBe(200);

    // A copy of the old cookie no longer opens the dashboard.
    const replay = await browser.newContext({ baseURL: web.url });
    await replay.addCookies([{ name: 'tn_session', value: session, url: web.url }]);
    const replayed = await replay.newPage();
    await replayed.goto('/');
    await replayed.waitForURL('**/sign-in');
    await replay.close();
    await context.close();
  });

  it('marks the cookie Secure when the dashboard is reached as anything but http on localhost', async () => {
    // As behind a TLS-terminating proxy. (A different x-forwarded-host would trip Next's own
    // server-action origin check, so only the scheme changes here.)
    const context = await browser.newContext({
      baseURL: web.url,
      extraHTTPHeaders: { 'x-forwarded-proto': 'https' },
    });
    const page = await context.newPage();
    await page.goto('/sign-in');
    await page.getByLabel('API token').fill(api.tokenFor('viewer'));
    const setCookie = page.waitForResponse(async (res) =>
      ((await res.allHeaders())['set-cookie'] ?? '').includes('tn_session='),
    );
    await page.getByRole('button', { name: 'Sign in' }).click();
    const header = (await (await setCookie).allHeaders())['set-cookie'] ?? '';
    const sessionCookie = header.split('\n').find((line) => line.startsWith('tn_session='));
    expect(sessionCookie).toMatch(/;\s*Secure/i);
    expect(sessionCookie).toMatch(/;\s*HttpOnly/i);
    await context.close();
  });

  it('hides the Audit page and its link from a non-admin', async () => {
    const context = await browser.newContext({ baseURL: web.url });
    const page = await context.newPage();
    await page.goto('/sign-in');
    await page.getByLabel('API token').fill(api.tokenFor('operator'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    await expect(page.getByRole('link', { name: 'Audit' }).count()).resolves.toBe(0);
    await page.goto('/audit');
    await expect(page.getByTestId('audit').count()).resolves.toBe(0);
    await context.close();
  });
});
