import {
  askMiners,
  SCHEDULE_JOB,
  type StandInMiners,
  startStandInMiners,
  startTestServer,
  type TestServer,
} from '@tensornode/api/testing';
import { createTensorNodeClient } from '@tensornode/client';
import type { Browser, BrowserContext } from 'playwright-core';
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
let admin: BrowserContext;
let viewer: BrowserContext;
let standIns: StandInMiners;
/** A truth no page may show a viewer. */
const SECRET_TRUTH = 'Zanzibar-7731';
let scheduledRoundId: string;
let secretRoundId: string;

beforeAll(async () => {
  api = await startTestServer({
    startJobs: false,
    rateLimits: { perMinute: 100_000, perHour: 100_000, deployPerMinute: 1_000 },
  });
  standIns = await startStandInMiners({
    behaviours: [{ kind: 'correct' }, { kind: 'wrong' }],
    // Miners must not echo the truth either, or the page would show it in their answers.
    correctAnswer: 'No idea.',
  });
  askMiners(
    api.services,
    standIns.miners.map((m, i) => ({ ...m, minerAddress: `0.0.${4000 + i}` })),
  );
  const client = createTensorNodeClient({ url: api.url, token: api.tokenFor('admin') });
  await client.bank.import.mutate({
    fileName: 'secret.jsonl',
    content: JSON.stringify({
      prompt: 'Which island code is the secret?',
      truth: SECRET_TRUTH,
      tags: ['secret'],
    }),
  });
  await client.schedule.set.mutate({ intervalSeconds: 60 });
  const [secret] = (await client.bank.list.query({ limit: 1 })).items;
  const round = await client.validation.run.mutate({ questionId: secret!.id, timeoutMs: 2_000 });
  expect(round.questionId).toBe(secret!.id);
  secretRoundId = round.id;
  await api.services.jobs.runNow(SCHEDULE_JOB);
  scheduledRoundId = (await client.schedule.get.query()).lastRoundId!;
  [web, browser] = await Promise.all([startDashboard(api.url), launchChromium()]);
  admin = await signedInContext(browser, web.url, api.tokenFor('admin'));
  viewer = await signedInContext(browser, web.url, api.tokenFor('viewer'));
});

afterAll(async () => {
  await browser?.close();
  await web?.stop();
  await standIns?.close();
  await api?.stop();
});

describe('schedule page', () => {
  it('shows the state, a countdown and the scheduled rounds; an admin changes the interval', async () => {
    const page = await admin.newPage();
    await page.goto('/schedule');
    await expect(page.getByTestId('schedule-state').textContent()).resolves.toBe('on');
    await expect(page.getByTestId('schedule-interval').textContent()).resolves.toBe('60 s');
    await expect(page.getByTestId('schedule-countdown').textContent()).resolves.toMatch(/^in \d+ s/);
    await page.getByTestId('scheduled-rounds').getByRole('row').nth(1).waitFor();
    await screenshotBothWidths(page, 'schedule');

    await page.getByLabel('Interval (seconds)').fill('30');
    await page.getByLabel('Miners per round (a number, or all)').fill('1');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('schedule-interval').getByText('30 s').waitFor();
    await page.getByRole('button', { name: 'Turn off' }).click();
    await page.getByTestId('schedule-state').getByText('off').waitFor();
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByTestId('schedule-state').getByText('on').waitFor();
    await page.close();
  });

  it('shows the scheduler on the overview', async () => {
    const page = await viewer.newPage();
    await page.goto('/');
    await expect(page.getByTestId('service-scheduler').textContent()).resolves.toMatch(
      /scheduler.*up.*every/,
    );
    await page.close();
  });

  it('offers no editing to a viewer', async () => {
    const page = await viewer.newPage();
    await page.goto('/schedule');
    await page.getByTestId('schedule-state').waitFor();
    expect(await page.getByRole('button', { name: 'Save' }).count()).toBe(0);
    await page.close();
  });
});

describe('question bank page', () => {
  it('counts questions by tag, imports a file with per-line errors, and retires a question', async () => {
    const page = await admin.newPage();
    await page.goto('/bank');
    await expect(page.getByTestId('bank-counts').textContent()).resolves.toMatch(/^\d{3} active of \d{3}/);
    await page.getByTestId('bank-tags').getByText('word-problem').waitFor();
    await page.getByLabel('File').setInputFiles({
      name: 'more.jsonl',
      mimeType: 'application/jsonl',
      buffer: Buffer.from('{"prompt":"Largest planet?","truth":"Jupiter"}\n{"prompt":"No truth here"}\n'),
    });
    await page.getByTestId('import-report').getByText('line 2: truth: is missing').waitFor();
    await expect(page.getByTestId('import-report').textContent()).resolves.toMatch(/Imported 1 \(jsonl\)/);
    const row = page.getByTestId('bank-questions').getByRole('row', { name: /Largest planet/ });
    await row.getByText('Jupiter').waitFor();
    await row.getByRole('button', { name: 'Retire' }).click();
    await row.getByText('retired').waitFor();
    await screenshotBothWidths(page, 'bank');
    await page.close();
  });

  it('never shows a viewer a truth: not on the bank page, not on a bank round', async () => {
    const page = await viewer.newPage();
    await page.goto('/bank');
    await page.getByTestId('bank-counts').waitFor();
    await page.getByText('listed for operators').waitFor();
    expect(await page.content()).not.toContain(SECRET_TRUTH);

    await page.goto(`/rounds/${secretRoundId}`);
    await page.getByText('Which island code is the secret?').first().waitFor();
    await page.getByText('hidden (a bank question').waitFor();
    expect(await page.content()).not.toContain(SECRET_TRUTH);
    await page.goto(`/rounds/${scheduledRoundId}`);
    await page.getByText('hidden (a bank question').waitFor();
    await page.goto('/schedule');
    await page.getByTestId('scheduled-rounds').waitFor();
    expect(await page.content()).not.toContain(SECRET_TRUTH);
    await page.close();
  });
});
