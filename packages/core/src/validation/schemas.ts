import { z } from 'zod';
import { scoringMethodSchema } from '../scoring/schemas.ts';

/** What a round asks: the prompt and truth, which miners, how long they get, how answers are scored. */
export const ZRoundAsk = z.object({
  /** Chosen by the caller so it can subscribe to the round's progress before starting it. */
  roundId: z.uuid().optional(),
  prompt: z.string().trim().min(1).max(20_000),
  truth: z.string().trim().min(1).max(10_000),
  vmIds: z.array(z.string().min(1).max(200)).min(1).max(10_000).optional(),
  timeoutMs: z.number().int().min(100).max(300_000).optional(),
  method: scoringMethodSchema.optional(),
});
export type RoundAsk = z.output<typeof ZRoundAsk>;

/** A round asks `prompt` with its `truth`, or a bank question: `questionId`, or `fromBank` for the next pick. */
export const ZRunRoundInput = ZRoundAsk.partial({ prompt: true, truth: true })
  .extend({
    questionId: z.number().int().positive().optional(),
    fromBank: z.literal(true).optional(),
  })
  .superRefine((input, ctx) => {
    const sources = [
      input.prompt !== undefined || input.truth !== undefined,
      input.questionId !== undefined,
      input.fromBank,
    ];
    if (sources.filter(Boolean).length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['prompt'],
        message: 'give prompt and truth, or questionId, or fromBank: true',
      });
      return;
    }
    if (sources[0] && input.prompt === undefined)
      ctx.addIssue({ code: 'custom', path: ['prompt'], message: 'is required with truth' });
    if (sources[0] && input.truth === undefined)
      ctx.addIssue({ code: 'custom', path: ['truth'], message: 'is required with prompt' });
  });
