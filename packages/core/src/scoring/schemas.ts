import { schema } from '@tensornode/db';
import { z } from 'zod';
import type { ScoreResult } from './score-answer.ts';

/** How a round or an evaluation is scored; the db's list (the schedule table's column) is the one source. */
export const SCORING_METHODS = schema.SCORING_METHODS;
export type ScoringMethod = (typeof SCORING_METHODS)[number];
export const scoringMethodSchema = z.enum(SCORING_METHODS);

/** What actually produced a score: `auto` resolves to one of these. */
export const SCORERS = ['heuristic', 'llm'] as const;

/** A score as stored and shown: an integer 0–100; anything else a scorer returns is brought into range. */
export function clampScore(score: number): number {
  return Number.isFinite(score) ? Math.min(100, Math.max(0, Math.round(score))) : 0;
}

export const ZEvaluateInput = z.object({
  question: z.string().max(20_000).optional(),
  truth: z.string().trim().min(1).max(10_000),
  candidate: z.string().max(100_000),
  method: scoringMethodSchema.default('auto'),
});

export const scoreResultSchema = z.object({
  score: z.number().int().min(0).max(100),
  method: z.enum(SCORERS),
  fallback: z.boolean().optional(),
  reason: z.string().optional(),
}) satisfies z.ZodType<ScoreResult>;
