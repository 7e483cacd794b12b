import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { RouterInputs } from '@tensornode/client';
import { SCORING_METHODS, type ScoringMethod } from '@tensornode/core/scoring';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { apiClient } from '../api-client.ts';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `60s`, `5m`, `1h`, `90` (seconds) → whole seconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(value.trim());
  const seconds = match ? Number(match[1]) * UNIT_SECONDS[match[2] || 's']! : Number.NaN;
  if (!Number.isInteger(seconds) || seconds < 1)
    throw new InvalidArgumentError('expected a duration such as 60s, 5m or 1h (at least 1 s)');
  return seconds;
}

function parseSample(value: string): 'all' | number {
  if (value === 'all') return 'all';
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected "all" or a number of miners');
  return n;
}

export function registerScheduleCommands(program: Command): void {
  const bank = program.command('bank').description('the question bank scheduled rounds ask from');
  bank
    .command('import')
    .argument('<file>', 'JSONL or CSV: {prompt, truth, tags?} a line, or GSM8K {question, answer}')
    .option('--format <format>', 'jsonl or csv (default: from the file name or content)')
    .description('import questions; bad lines are listed by number, the rest imported')
    .action(async (file: string, opts: { format?: 'jsonl' | 'csv' }) => {
      const content = readFileSync(file, 'utf8');
      const report = await apiClient().bank.import.mutate({
        content,
        fileName: basename(file),
        ...(opts.format ? { format: opts.format } : {}),
      });
      for (const e of report.errors) process.stderr.write(`line ${e.line}: ${e.message}\n`);
      process.stdout.write(
        `Imported ${report.imported} question(s) from ${basename(file)} (${report.format}); ` +
          `${report.duplicates} already in the bank, ${report.errors.length} bad line(s).\n`,
      );
      if (report.imported === 0 && report.errors.length > 0) process.exitCode = 1;
    });
  bank
    .command('stats')
    .description('questions in the bank, by tag')
    .action(async () => {
      const stats = await apiClient().bank.stats.query();
      process.stdout.write(`${stats.active} active of ${stats.total} (${stats.asked} asked at least once)\n`);
      if (stats.byTag.length > 0) console.table(stats.byTag);
    });

  const schedule = program.command('schedule').description('the validation schedule');
  schedule
    .command('show')
    .description('the schedule and its last rounds')
    .action(async () => {
      const s = await apiClient().schedule.get.query();
      process.stdout.write(`${describeSchedule(s)}\n`);
    });
  schedule
    .command('set')
    .description('change the schedule (admin), e.g. `schedule set --every 60s --sample 50`, `--off`')
    .addOption(
      new Option('--every <duration>', 'interval between rounds: 30s, 5m, 1h').argParser(parseDuration),
    )
    .addOption(new Option('--sample <n>', 'miners per round, or "all"').argParser(parseSample))
    .addOption(new Option('--timeout <duration>', 'per-miner deadline').argParser(parseDuration))
    .addOption(new Option('--method <method>', 'scoring method').choices(SCORING_METHODS))
    .option('--off', 'stop scheduled rounds')
    .option('--on', 'resume scheduled rounds')
    .option('--auto-epochs', 'distribute each UTC day’s rewards after midnight')
    .option('--no-auto-epochs', 'leave epochs to `rewards run`')
    .action(
      async (opts: {
        every?: number;
        sample?: 'all' | number;
        timeout?: number;
        method?: ScoringMethod;
        off?: boolean;
        on?: boolean;
        autoEpochs?: boolean;
      }) => {
        if (opts.off && opts.on) throw new InvalidArgumentError('--on and --off contradict each other');
        const input: RouterInputs['schedule']['set'] = {
          ...(opts.every !== undefined ? { intervalSeconds: opts.every } : {}),
          ...(opts.sample !== undefined ? { sample: opts.sample } : {}),
          ...(opts.timeout !== undefined ? { timeoutMs: opts.timeout * 1000 } : {}),
          ...(opts.method ? { method: opts.method } : {}),
          ...(opts.off ? { enabled: false } : opts.on || opts.every !== undefined ? { enabled: true } : {}),
          ...(opts.autoEpochs !== undefined ? { autoEpochs: opts.autoEpochs } : {}),
        };
        const s = await apiClient().schedule.set.mutate(input);
        process.stdout.write(`${describeSchedule(s)}\n`);
      },
    );
}

function describeSchedule(s: {
  enabled: boolean;
  intervalSeconds: number;
  sample: 'all' | number;
  nextRoundAt: Date | null;
  skippedTicks: number;
  autoEpochs: boolean;
  lastError: string | null;
}): string {
  if (!s.enabled) return 'Schedule: off';
  const sample = s.sample === 'all' ? 'every active miner' : `${s.sample} miners`;
  const next = s.nextRoundAt ? `; next round ${s.nextRoundAt.toISOString()}` : '';
  const epochs = s.autoEpochs ? 'epochs close after each UTC midnight' : 'epochs closed by hand';
  const error = s.lastError ? `; last problem: ${s.lastError}` : '';
  return `Schedule: every ${s.intervalSeconds} s, asking ${sample}${next}; ${s.skippedTicks} tick(s) skipped; ${epochs}${error}`;
}
