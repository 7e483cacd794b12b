import { type BankQuestionRow, createBankRepository } from '@tensornode/db';
import { revealQuestion } from '../audit/reveal.ts';
import type { CoreContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';

/** A bank question as callers see it; `truth` is only filled for callers allowed to see truths. */
export type BankQuestionView = Omit<BankQuestionRow, 'promptKey' | 'truth'> & { truth: string | null };

export interface BankPage {
  items: BankQuestionView[];
  nextCursor: number | null;
}

export function listBankQuestions(
  ctx: CoreContext,
  input: { cursor?: number | null; limit: number; retired?: boolean; withTruths: boolean },
): BankPage {
  const rows = createBankRepository(ctx.db).list({
    before: input.cursor ?? undefined,
    limit: input.limit + 1,
    retired: input.retired,
  });
  const page = rows.slice(0, input.limit);
  return {
    items: page.map(({ promptKey: _key, truth, ...q }) => ({ ...q, truth: input.withTruths ? truth : null })),
    nextCursor: rows.length > input.limit ? page[page.length - 1]!.id : null,
  };
}

export function bankStats(ctx: CoreContext) {
  return createBankRepository(ctx.db).stats();
}
export type BankStats = ReturnType<typeof bankStats>;

/**
 * Takes a question out of rotation for good and reveals it: every round that asked it publishes its
 * salts, question and truth on the score topic. Returns how many rounds were revealed. (Should the
 * process stop between the two steps, those rounds are still revealed when their epoch closes.)
 */
export function retireQuestion(ctx: CoreContext, id: number): number {
  const repo = createBankRepository(ctx.db);
  if (!repo.retire(id, ctx.now?.() ?? new Date())) {
    throw new NotFoundError(
      repo.findById(id) ? `question ${id} is retired already` : `question ${id} is not in the bank`,
    );
  }
  const question = repo.findById(id);
  return question ? revealQuestion(ctx, { question: question.prompt }) : 0;
}
