import { createRoundRepository } from '@tensornode/db';
import type { CoreContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import { type RoundResult, toRoundAnswer } from './round-result.ts';

/** One round with every answer, as stored. */
export function getRound(ctx: Pick<CoreContext, 'db'>, roundId: string): RoundResult {
  const rounds = createRoundRepository(ctx.db);
  const round = rounds.findById(roundId);
  if (!round) throw new NotFoundError(`validation round ${roundId} not found`);
  return { ...round, answers: rounds.answersOf(roundId).map(toRoundAnswer) };
}
