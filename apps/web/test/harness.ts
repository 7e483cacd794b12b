import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@tensornode/api/testing';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';

export const WEB_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SCREENSHOT_DIR = join(WEB_DIR, 'screenshots');
const CHROMIUM = '/usr/bin/chromium';

export const VIEWPORTS = {
  laptop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;

export interface RunningDashboard {
  url: string;
  stop(): Promise<void>;
}

/** `next start` on the production build (the test script builds first), pointed at the given API. */
export async function startDashboard(apiUrl: string): Promise<RunningDashboard> {
  if (!existsSync(join(WEB_DIR, '.next', 'BUILD_ID'))) {
    throw new Error(
      'No production build: run `pnpm --filter @tensornode/web test` (it runs `next build` first)',
    );
  }
  const port = await freePort();
  const child: ChildProcess = spawn(
    join(WEB_DIR, 'node_modules', '.bin', 'next'),
    ['start', '-p', String(port), '-H', '127.0.0.1'],
    {
      cwd: WEB_DIR,
      env: { ...process.env, TENSORNODE_API_URL: apiUrl, NEXT_TELEMETRY_DISABLED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${url}/sign-in`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`next start did not answer within 30 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** Debian's Chromium; playwright gives each launch a fresh temporary --user-data-dir. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A fresh browser context signed in through the sign-in form. */
export async function signedInContext(
  browser: Browser,
  baseURL: string,
  token: string,
): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL, viewport: VIEWPORTS.laptop });
  const page = await context.newPage();
  await page.goto('/sign-in');
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  await page.close();
  return context;
}

/** Both widths of the page as it is now, to `screenshots/<name>-<width>.png`. */
export async function screenshotBothWidths(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  for (const [label, size] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(size);
    await page.screenshot({
      path: join(SCREENSHOT_DIR, `${name}-${label}-${size.width}.png`),
      fullPage: true,
    });
  }
  await page.setViewportSize(VIEWPORTS.laptop);
}

/** The text of the page's first error note (Next's own route announcer also has role=alert). */
export async function errorText(page: Page | Locator): Promise<string> {
  const note = page.locator('p[role="alert"]').first();
  await note.waitFor({ state: 'visible' });
  return (await note.textContent()) ?? '';
}
