import { type BankQuestionRow, createBankRepository } from '@tensornode/db';
import type { CoreContext } from '../context.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';

/** Randomness comes from among at most this many of the least recently asked questions. */
const PICK_SPREAD = 16;

/**
 * Picks the next question to ask and marks it asked, in one IMMEDIATE transaction (two processes
 * never pick on one stale view). Least recently asked first, with randomness among the oldest; a
 * question asked in the last BANK_REPEAT_WINDOW picks is never picked (when the bank is larger
 * than the window; a smaller bank is asked in turn).
 */
export function pickQuestion(ctx: CoreContext, random: () => number = Math.random): BankQuestionRow {
  const at = ctx.now?.() ?? new Date();
  return ctx.db.transaction(
    (tx) => {
      const bank = createBankRepository(tx);
      const active = bank.countActive();
      if (active === 0) throw new NotFoundError('the question bank has no active questions; import some');
      const window = Math.min(ctx.config.BANK_REPEAT_WINDOW, active - 1);
      const candidates = bank.leastRecentlyAsked(Math.min(PICK_SPREAD, active - window));
      const chosen = candidates[Math.min(candidates.length - 1, Math.floor(random() * candidates.length))]!;
      bank.markAsked(chosen.id, at);
      return { ...chosen, timesAsked: chosen.timesAsked + 1, lastAskedAt: at };
    },
    { behavior: 'immediate' },
  );
}

/** One question by id, for `validation.run {questionId}`; marks it asked. */
export function takeQuestion(ctx: CoreContext, id: number): BankQuestionRow {
  const at = ctx.now?.() ?? new Date();
  return ctx.db.transaction((tx) => {
    const bank = createBankRepository(tx);
    const question = bank.findById(id);
    if (!question) throw new NotFoundError(`question ${id} is not in the bank`);
    if (question.retiredAt) throw new NotFoundError(`question ${id} is retired`);
    bank.markAsked(id, at);
    return question;
  });
}

/** What a round asks: the prompt and truth given, or a bank question by id, or the bank's next pick. */
export function resolveRoundQuestion(
  ctx: CoreContext,
  source: { prompt?: string; truth?: string; questionId?: number; fromBank?: boolean },
): { prompt: string; truth: string; questionId?: number } {
  if (source.questionId !== undefined || source.fromBank) {
    const q = source.questionId !== undefined ? takeQuestion(ctx, source.questionId) : pickQuestion(ctx);
    return { prompt: q.prompt, truth: q.truth, questionId: q.id };
  }
  if (!source.prompt)
    throw new InvalidInputError('prompt', 'give prompt and truth, or questionId, or fromBank');
  if (!source.truth) throw new InvalidInputError('truth', 'is required with prompt');
  return { prompt: source.prompt, truth: source.truth };
}
