import { createRoundRepository, type ValidationRoundRow } from '@tensornode/db';
import type { CoreContext } from '../context.ts';
import { InvalidInputError } from '../errors.ts';

export const MAX_ROUNDS_PAGE = 100;

export interface RoundPage {
  items: ValidationRoundRow[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** Rounds newest first, without their answers, paginated by an opaque cursor. */
export function listRounds(
  ctx: Pick<CoreContext, 'db'>,
  input: { cursor?: string | null; limit?: number },
): RoundPage {
  const limit = input.limit ?? 20;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ROUNDS_PAGE) {
    throw new InvalidInputError('limit', `must be an integer from 1 to ${MAX_ROUNDS_PAGE}`);
  }
  const before = input.cursor ? decodeCursor(input.cursor) : undefined;
  const rows = createRoundRepository(ctx.db).list({ before, limit: limit + 1 });
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}

function encodeCursor(row: { startedAt: Date; id: string }): string {
  return Buffer.from(`${row.startedAt.getTime()}:${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { startedAt: Date; id: string } {
  const match = /^(\d{1,15}):(.{1,100})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new InvalidInputError('cursor', 'is not a cursor this API returned');
  return { startedAt: new Date(Number(match[1])), id: match[2]! };
}
