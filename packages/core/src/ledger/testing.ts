import { randomUUID } from 'node:crypto';
import { createRoundRepository, type Database } from '@tensornode/db';
import type { Devnet } from '@tensornode/devnet';
import {
  buildRoundSummary,
  hashRoundSummary,
  type RoundLedgerHook,
  type RoundSummary,
} from '../validation/round-summary.ts';
import { createHederaLedger } from './hedera-ledger.ts';
import type { Ledger, TopicMessage } from './ledger.ts';

/** A ledger on the devnet, signing as the operator (or the given account). */
export async function devnetLedger(
  devnet: Devnet,
  options: { operator?: { accountId: string; privateKey: string }; validDurationSeconds?: number } = {},
): Promise<Ledger> {
  const operator = options.operator ?? devnet.operator;
  return createHederaLedger({
    kind: 'devnet',
    nodes: { [devnet.grpcEndpoint]: devnet.nodeAccountId },
    mirrorUrl: devnet.mirrorUrl,
    operatorId: operator.accountId,
    operatorKey: operator.privateKey,
    grpcDeadlineMs: 1500,
    ...(options.validDurationSeconds ? { validDurationSeconds: options.validDurationSeconds } : {}),
  });
}

export interface TestAnswer {
  vmId: string;
  minerAddress: string | null;
  score: number;
  ok: boolean;
  response?: string | null;
}

/**
 * Stores a round the way the round runner does (round, answers, ledger hook in one transaction)
 * and returns its summary. For ledger tests that do not need miners.
 */
export function recordTestRound(
  db: Database,
  hook: RoundLedgerHook,
  input: {
    roundId?: string;
    prompt?: string;
    truth?: string;
    method?: string;
    answers?: TestAnswer[];
    at?: Date;
  } = {},
): RoundSummary {
  const roundId = input.roundId ?? randomUUID();
  const prompt = input.prompt ?? 'What is 6 x 7?';
  const truth = input.truth ?? '42';
  const method = input.method ?? 'heuristic';
  const answers = input.answers ?? [
    { vmId: 'vm-1', minerAddress: '0.0.5001', score: 100, ok: true, response: '42' },
  ];
  const startedAt = input.at ?? new Date();
  const completedAt = new Date(startedAt.getTime() + 10);
  const summary = buildRoundSummary({ roundId, startedAt, completedAt, method, prompt, truth, answers });
  db.transaction((tx) => {
    const rounds = createRoundRepository(tx);
    rounds.insert({
      id: roundId,
      prompt,
      truth,
      method,
      startedAt,
      completedAt,
      minerCount: answers.length,
      answeredCount: answers.filter((a) => a.ok).length,
      meanScore: answers.length ? answers.reduce((s, a) => s + a.score, 0) / answers.length : 0,
      payloadHash: hashRoundSummary(summary),
    });
    rounds.insertAnswers(
      answers.map((a) => ({
        roundId,
        vmId: a.vmId,
        minerAddress: a.minerAddress,
        endpoint: `http://127.0.0.1:1/${a.vmId}`,
        ok: a.ok,
        response: a.response ?? null,
        latencyMs: 5,
        score: a.score,
        method: a.ok ? method : 'none',
        reason: a.ok ? null : 'timeout',
      })),
    );
    hook.enqueue(tx, summary);
  });
  hook.afterCommit?.();
  return summary;
}

/** Every message on the topic, following the mirror's pages. */
export async function allTopicMessages(ledger: Ledger, topicId: string): Promise<TopicMessage[]> {
  const out: TopicMessage[] = [];
  let cursor: string | undefined;
  do {
    const page = await ledger.messages(topicId, { limit: 100, ...(cursor ? { cursor } : {}) });
    out.push(...page.messages);
    cursor = page.next ?? undefined;
  } while (cursor);
  return out;
}
