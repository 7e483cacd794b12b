import { randomUUID } from 'node:crypto';
import { createRoundAuditRepository, createRoundRepository, type RoundTrigger } from '@tensornode/db';
import pLimit from 'p-limit';
import type { Dispatcher } from 'undici';
import { newSalt } from '../audit/commitment.ts';
import { findCopyGroups } from '../audit/copy-groups.ts';
import { getAuditPolicy, type StoredCopyGroup, storeCopyGroups } from '../audit/flags.ts';
import { isQuestionRevealed } from '../audit/reveal.ts';
import type { CoreContext } from '../context.ts';
import { ConflictError, InvalidInputError } from '../errors.ts';
import {
  clampScore,
  type Judge,
  type ScoreResult,
  type ScoringMethod,
  scoreAnswer,
  scoreWithHeuristic,
  usesJudge,
} from '../scoring/index.ts';
import { type MinerAnswer, queryMiners } from './fan-out.ts';
import type { FanOut } from './fan-out-pool.ts';
import type { MinerDirectory, RoundMiner } from './miner-directory.ts';
import type { RoundHooks, RoundProgressEvent } from './progress.ts';
import { recordRoundScores } from './record-scores.ts';
import { minerKey, type RoundAnswer, type RoundResult } from './round-result.ts';
import { buildRoundSummaryV2, hashRoundSummary, type RoundLedgerHook } from './round-summary.ts';
import type { RoundAsk } from './schemas.ts';

/** Answers are scored in full but stored cut to this many characters. */
export const STORED_RESPONSE_MAX_CHARS = 8192;
/** The method recorded for an answer that never reached the scorer. */
export const UNSCORED_METHOD = 'none';

export interface ValidationContext extends CoreContext {
  miners: MinerDirectory;
  ledgerHook: RoundLedgerHook;
  judge?: Judge;
  /** Runs the fan-out; a worker-thread pool (`createFanOutPool`) for large rounds. Default: this thread. */
  fanOut?: FanOut;
  /** undici interceptors composed onto every miner connection (tests count bytes with one). */
  fanOutInterceptors?: readonly Dispatcher.DispatcherComposeInterceptor[];
}

/** A round's ask as `ZRoundAsk` parsed it (the API checks it there), plus what the caller records. */
export interface RunRoundInput extends RoundAsk {
  /** Who started the round (default `manual`). */
  trigger?: RoundTrigger;
  /** The bank question asked, when the prompt came from the bank. */
  questionId?: number;
}

/**
 * Asks every selected miner the prompt at once (bounded), scores each answer as it arrives, and
 * stores the round, its answers, the miners' moving averages and the ledger record in one
 * transaction. A miner that fails scores 0 with its reason; the round still completes.
 *
 * Selection: `vmIds` names VMs to ask — any id the directory cannot resolve is rejected with
 * `InvalidInputError('vmIds')` before a request goes out. Without it, every active miner is asked;
 * when there is none the round still completes, empty, and is stored.
 */
export async function runValidationRound(
  ctx: ValidationContext,
  input: RunRoundInput,
  hooks: RoundHooks = {},
): Promise<RoundResult> {
  const method = input.method ?? 'auto';
  const timeoutMs = input.timeoutMs ?? ctx.config.VALIDATION_TIMEOUT_MS;
  if (isQuestionRevealed(ctx.db, input.prompt))
    throw new InvalidInputError(
      'prompt',
      'this question was revealed on the ledger and is never asked again',
    );
  const miners = await selectMiners(ctx.miners, input.vmIds);

  const now = () => ctx.now?.() ?? new Date();
  const roundId = input.roundId ?? randomUUID();
  if (input.roundId && createRoundRepository(ctx.db).findById(input.roundId)) {
    throw new ConflictError(`round ${input.roundId} exists already`);
  }
  const startedAt = now();
  const log = ctx.log.child({ roundId });
  const emit = (event: RoundProgressEvent) => {
    try {
      hooks.onProgress?.(event);
    } catch (error) {
      log.warn({ err: error }, 'round progress listener failed');
    }
  };
  emit({ type: 'started', roundId, startedAt, minerCount: miners.length, method, timeoutMs });
  log.info({ miners: miners.length, method, timeoutMs }, 'validation round started');

  const scored = await askAndScore(ctx, { roundId, miners, input, method, timeoutMs }, now, emit);
  const completedAt = now();
  const copyGroups = roundCopyGroups(scored);
  if (copyGroups.length > 0 && getAuditPolicy(ctx).copies === 'zero-copies') zeroCopies(scored, copyGroups);

  const answers: RoundAnswer[] = scored.map(({ miner, answer, score }) => ({
    vmId: miner.vmId,
    minerAddress: miner.minerAddress,
    endpoint: miner.endpoint,
    ok: answer.ok,
    response: answer.ok ? truncate(answer.response, STORED_RESPONSE_MAX_CHARS) : null,
    latencyMs: answer.latencyMs,
    score: score.score,
    method: score.method,
    reason: answer.ok ? score.reason : answer.reason,
  }));
  // Secret until the round's reveal: they open the question and truth commitments.
  const salts = { questionSalt: newSalt(), truthSalt: newSalt() };
  const summary = buildRoundSummaryV2({
    roundId,
    startedAt,
    completedAt,
    method,
    prompt: input.prompt,
    truth: input.truth,
    ...salts,
    answers,
  });
  const payloadHash = hashRoundSummary(summary);
  const answeredCount = answers.filter((a) => a.ok).length;
  const meanScore = answers.length === 0 ? 0 : answers.reduce((sum, a) => sum + a.score, 0) / answers.length;

  const stored = ctx.db.transaction((tx) => {
    const rounds = createRoundRepository(tx);
    rounds.insert({
      id: roundId,
      prompt: input.prompt,
      truth: input.truth,
      method,
      startedAt,
      completedAt,
      minerCount: answers.length,
      answeredCount,
      meanScore,
      payloadHash,
      trigger: input.trigger ?? 'manual',
      questionId: input.questionId ?? null,
    });
    rounds.insertAnswers(answers.map((a) => ({ ...a, roundId })));
    storeCopyGroups(tx, roundId, copyGroups);
    createRoundAuditRepository(tx).insert({
      roundId,
      version: summary.v,
      scoresRoot: summary.scoresRoot,
      ...salts,
      questionCommitment: summary.questionCommitment,
      truthCommitment: summary.truthCommitment,
    });
    recordRoundScores(tx, {
      roundId,
      at: completedAt,
      alpha: ctx.config.SCORE_EMA_ALPHA,
      answers: answers.map((a) => ({ key: minerKey(a), score: a.score, ok: a.ok })),
    });
    ctx.ledgerHook.enqueue(tx, summary);
    // Read back: the ledger hook may have set the round's ledger status.
    return rounds.findById(roundId)!;
  });
  emit({ type: 'stored', roundId, payloadHash, ledgerStatus: stored.ledgerStatus });
  try {
    ctx.ledgerHook.afterCommit?.();
  } catch (error) {
    log.warn({ err: error }, 'ledger hook afterCommit failed');
  }

  const round: RoundResult = { ...stored, answers };
  log.info(
    {
      miners: answers.length,
      answered: answeredCount,
      meanScore,
      durationMs: completedAt.getTime() - startedAt.getTime(),
    },
    'validation round completed',
  );
  emit({
    type: 'completed',
    roundId,
    summary: {
      roundId,
      completedAt: stored.completedAt,
      minerCount: stored.minerCount,
      answeredCount: stored.answeredCount,
      failedCount: stored.minerCount - stored.answeredCount,
      meanScore: stored.meanScore,
      payloadHash: stored.payloadHash,
      ledgerStatus: stored.ledgerStatus,
    },
  });
  return round;
}

async function selectMiners(
  directory: MinerDirectory,
  vmIds: readonly string[] | undefined,
): Promise<RoundMiner[]> {
  // The id format is checked (and ids brought to one spelling) before any miner is contacted.
  const canonical = vmIds?.map((id, i) => {
    const vmId = directory.canonicalVmId ? directory.canonicalVmId(id) : id;
    if (vmId === null) {
      const kind = directory.vmIdKind ? `${directory.vmIdKind} ` : '';
      throw new InvalidInputError(`vmIds.${i}`, `is not a valid ${kind}VM id`);
    }
    return vmId;
  });
  const wanted = canonical ? [...new Set(canonical)] : undefined;
  const resolved = await directory.resolve(wanted);
  const seen = new Set<string>();
  const miners = resolved.filter((m) => !seen.has(m.vmId) && seen.add(m.vmId));
  if (wanted) {
    const unknown = wanted.filter((id) => !seen.has(id));
    if (unknown.length > 0) {
      const shown =
        unknown.slice(0, 5).join(', ') + (unknown.length > 5 ? ` and ${unknown.length - 5} more` : '');
      throw new InvalidInputError('vmIds', `unknown VM or VM without a miner endpoint: ${shown}`);
    }
  }
  return miners;
}

interface ScoredAnswer {
  miner: RoundMiner;
  answer: MinerAnswer;
  score: { score: number; method: string; reason: string | null };
  /** When the answer (or failure) reached the validator, on the validator's clock. */
  answeredAt: Date;
}

/** The round's copy groups, over the full answers (stored ones are cut). */
function roundCopyGroups(scored: readonly ScoredAnswer[]): StoredCopyGroup[] {
  const candidates = scored
    .filter((s) => s.answer.ok)
    .map((s) => ({
      vmId: s.miner.vmId,
      minerKey: minerKey(s.miner),
      response: s.answer.ok ? s.answer.response : null,
      latencyMs: s.answer.latencyMs,
      answeredAt: s.answeredAt,
    }));
  const byVm = new Map(candidates.map((c) => [c.vmId, c]));
  return findCopyGroups(candidates).map((g) => ({
    ...g,
    members: g.vmIds.map((vmId) => {
      const c = byVm.get(vmId)!;
      return { vmId, minerKey: c.minerKey, answeredAt: c.answeredAt };
    }),
  }));
}

/** The "zero copies" policy: every copy but the earliest answer of its group scores 0. */
function zeroCopies(scored: ScoredAnswer[], groups: readonly StoredCopyGroup[]): void {
  const copies = new Set(groups.flatMap((g) => g.vmIds.filter((vmId) => vmId !== g.earliest)));
  for (const s of scored) {
    if (copies.has(s.miner.vmId)) s.score = { ...s.score, score: 0, reason: 'copy' };
  }
}

/** Fans out and scores each answer as it arrives, so scoring overlaps with slower miners. */
async function askAndScore(
  ctx: ValidationContext,
  round: {
    roundId: string;
    miners: RoundMiner[];
    input: RunRoundInput;
    method: ScoringMethod;
    timeoutMs: number;
  },
  now: () => Date,
  emit: (event: RoundProgressEvent) => void,
): Promise<ScoredAnswer[]> {
  const { roundId, miners, input, method } = round;
  const results = new Array<ScoredAnswer>(miners.length);
  const scoring = { judge: ctx.judge, log: ctx.log };
  const judged = usesJudge(scoring, method);
  const limit = pLimit(ctx.config.SCORER_CONCURRENCY);
  const pending: Promise<void>[] = [];
  const abort = new AbortController();
  let scoringError: unknown;

  const answeredAt = new Array<Date>(miners.length);
  const settle = (index: number, answer: MinerAnswer, score: ScoredAnswer['score']) => {
    const miner = miners[index]!;
    results[index] = { miner, answer, score, answeredAt: answeredAt[index]! };
    emit({ type: 'scored', roundId, vmId: miner.vmId, minerAddress: miner.minerAddress, ...score });
  };

  const onResult = (answer: MinerAnswer, index: number) => {
    // Taken on arrival, before scoring: a slow judge must not reorder who answered first.
    answeredAt[index] = now();
    const { vmId, minerAddress } = miners[index]!;
    if (!answer.ok) {
      emit({
        type: 'failed',
        roundId,
        vmId,
        minerAddress,
        latencyMs: answer.latencyMs,
        reason: answer.reason,
      });
      settle(index, answer, { score: 0, method: UNSCORED_METHOD, reason: answer.reason });
      return;
    }
    emit({ type: 'answered', roundId, vmId, minerAddress, latencyMs: answer.latencyMs });
    const record = (s: ScoreResult) => {
      const reason = s.reason ?? (s.fallback ? 'llm_fallback' : null);
      settle(index, answer, { score: clampScore(s.score), method: s.method, reason });
    };
    const fail = (error: unknown) => {
      // Our scorer failing is not the miner's fault: stop the round rather than record a 0.
      scoringError ??= error;
      abort.abort(error);
    };
    const question = { question: input.prompt, truth: input.truth, candidate: answer.response };
    if (!judged) {
      // The heuristic is synchronous and cheap: score on the spot, no queue, no promise.
      let result: ScoreResult;
      try {
        result = scoreWithHeuristic(question);
      } catch (error) {
        fail(error);
        return;
      }
      record(result);
      return;
    }
    pending.push(limit(() => scoreAnswer(scoring, question, method)).then(record, fail));
  };

  try {
    await (ctx.fanOut ?? queryMiners)({
      miners,
      prompt: input.prompt,
      deadlineMs: round.timeoutMs,
      concurrency: ctx.config.VALIDATION_CONCURRENCY,
      maxResponseBytes: ctx.config.MINER_MAX_RESPONSE_BYTES,
      interceptors: ctx.fanOutInterceptors,
      onResult,
      signal: abort.signal,
    });
  } catch (error) {
    throw scoringError ?? error;
  }
  await Promise.all(pending);
  if (scoringError) throw scoringError;
  return results;
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  // Do not leave half of a surrogate pair at the end.
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
