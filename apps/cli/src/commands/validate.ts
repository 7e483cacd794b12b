import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { errorCode } from '@tensornode/client';
import { SCORING_METHODS, type ScoringMethod } from '@tensornode/core/scoring';
import type { RoundProgressEvent } from '@tensornode/core/validation';
import { type Command, Option } from 'commander';
import { apiClient } from '../api-client.ts';

/** `tensornode validate`: runs a round through the API with a live line per miner, then a score table. */
export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('run a validation round: ask every active miner, score the answers, record them')
    .requiredOption('--prompt <text>', 'the question sent to every miner')
    .requiredOption('--truth <text>', 'the ground-truth answer')
    .option('--vm <id...>', 'ask only these VMs')
    .option('--timeout <ms>', 'deadline per miner in milliseconds', (v) => Number.parseInt(v, 10))
    .addOption(new Option('--method <method>', 'scoring method').choices(SCORING_METHODS))
    .action(
      async (opts: {
        prompt: string;
        truth: string;
        vm?: string[];
        timeout?: number;
        method?: ScoringMethod;
      }) => {
        const client = apiClient();
        const roundId = randomUUID();
        const lines = new Map<string, string>();
        const tty = process.stderr.isTTY;
        let drawn = 0;
        const render = (vmId: string, text: string) => {
          lines.set(vmId, text);
          if (!tty) {
            process.stderr.write(`${vmId}  ${text}\n`);
            return;
          }
          if (drawn) process.stderr.write(`\x1b[${drawn}A`);
          for (const [id, line] of lines) process.stderr.write(`\x1b[2K${id}  ${line}\n`);
          drawn = lines.size;
        };

        let completed: () => void = () => {};
        const roundCompleted = new Promise<void>((resolve) => {
          completed = resolve;
        });
        let connected: () => void = () => {};
        const subscribed = new Promise<void>((resolve) => {
          connected = resolve;
        });
        const subscription = client.validation.onProgress.subscribe(
          { roundId },
          {
            onStarted: () => connected(),
            onError: () => connected(),
            onData: ({ data }) => {
              const event = data as RoundProgressEvent;
              switch (event.type) {
                case 'started':
                  process.stderr.write(`round ${roundId}: asking ${event.minerCount} miner(s)\n`);
                  break;
                case 'answered':
                  render(event.vmId, `answered in ${event.latencyMs} ms, scoring…`);
                  break;
                case 'failed':
                  render(event.vmId, `failed: ${event.reason} after ${event.latencyMs} ms`);
                  break;
                case 'scored':
                  render(
                    event.vmId,
                    `${(lines.get(event.vmId) ?? '').replace(', scoring…', '')} → score ${event.score}`,
                  );
                  break;
                case 'stored':
                  process.stderr.write(`stored; ledger: ${event.ledgerStatus}\n`);
                  break;
                case 'completed':
                  completed();
                  break;
              }
            },
          },
        );
        // Subscribe first so no event of this round is missed; progress is a nicety, so do not wait long.
        await Promise.race([subscribed, delay(3000)]);
        try {
          const round = await client.validation.run.mutate({
            roundId,
            prompt: opts.prompt,
            truth: opts.truth,
            ...(opts.vm ? { vmIds: opts.vm } : {}),
            ...(opts.timeout ? { timeoutMs: opts.timeout } : {}),
            ...(opts.method ? { method: opts.method } : {}),
          });
          await Promise.race([roundCompleted, delay(2000)]);
          console.table(
            round.answers.map((a) => ({
              vm: a.vmId,
              miner: a.minerAddress ?? '',
              score: a.score,
              method: a.method,
              latencyMs: a.latencyMs,
              reason: a.reason ?? '',
            })),
          );
          process.stdout.write(
            `round ${round.id}: ${round.answeredCount}/${round.minerCount} answered, mean score ${round.meanScore.toFixed(1)}, ledger ${round.ledgerStatus}\n`,
          );
        } catch (error) {
          process.stderr.write(
            `validation failed (${errorCode(error) ?? 'error'}): ${(error as Error).message}\n`,
          );
          process.exitCode = 1;
        } finally {
          subscription.unsubscribe();
        }
      },
    );
}
