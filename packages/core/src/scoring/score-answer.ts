import type { Logger } from '../context.ts';
import { UpstreamError } from '../errors.ts';
import { scoreHeuristic } from './heuristic.ts';
import type { JudgeLane } from './judge-slots.ts';
import type { Judge } from './llm-judge.ts';
import { clampScore, type SCORERS, type ScoringMethod } from './schemas.ts';

export interface ScoreAnswerInput {
  question?: string;
  truth: string;
  candidate: string;
}

export interface ScoreResult {
  /** Integer 0–100. */
  score: number;
  /** The method that produced the score. */
  method: (typeof SCORERS)[number];
  /** True when the LLM was asked for but the heuristic answered. */
  fallback?: boolean;
  reason?: string;
}

export interface ScoringContext {
  /** Present when an LLM judge is configured. */
  judge?: Judge;
  log?: Logger;
  /** Who asks: `evaluate` calls wait behind rounds for the judge's slots. Default `round`. */
  lane?: JudgeLane;
}

function shortCause(error: unknown): string {
  if (error instanceof UpstreamError) return error.message.slice(0, 160);
  if (error instanceof Error) return error.name;
  return 'unknown error';
}

/** True when `method` sends answers to the LLM judge (else they are scored, synchronously, by the heuristic). */
export function usesJudge(ctx: ScoringContext, method: ScoringMethod): boolean {
  return method === 'llm' || (method === 'auto' && ctx.judge !== undefined);
}

/** The heuristic's verdict as a result; what every answer gets when no judge is asked. */
export function scoreWithHeuristic(input: ScoreAnswerInput): ScoreResult {
  const { score, reason } = scoreHeuristic(input);
  return { score, method: 'heuristic', reason };
}

/**
 * Scores one answer. `auto` uses the LLM judge when one is configured, else the heuristic; any
 * judge failure falls back to the heuristic and the result says so.
 */
export async function scoreAnswer(
  ctx: ScoringContext,
  input: ScoreAnswerInput,
  method: ScoringMethod = 'auto',
): Promise<ScoreResult> {
  const heuristic = () => scoreHeuristic(input);
  // An empty answer needs no model to grade it.
  if (!usesJudge(ctx, method) || input.candidate.trim() === '') return scoreWithHeuristic(input);
  if (!ctx.judge) {
    return { score: heuristic().score, method: 'heuristic', fallback: true, reason: 'llm_not_configured' };
  }
  try {
    const score = await ctx.judge.score(
      { question: input.question ?? '', truth: input.truth, candidate: input.candidate },
      { lane: ctx.lane ?? 'round' },
    );
    return { score: clampScore(score), method: 'llm' };
  } catch (error) {
    const cause = shortCause(error);
    ctx.log?.warn({ err: error, cause }, 'LLM judge failed; scored with the heuristic');
    return {
      score: heuristic().score,
      method: 'heuristic',
      fallback: true,
      reason: `llm_fallback: ${cause}`,
    };
  }
}
