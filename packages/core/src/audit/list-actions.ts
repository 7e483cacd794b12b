import { type AuditEntry, createAuditRepository } from '@tensornode/db';
import { z } from 'zod';
import type { CoreContext } from '../context.ts';

// Not strict: infinite queries add their own keys (`direction`) beside `cursor`.
export const listAuditInput = z.object({
  limit: z.number().int().min(1).max(200).default(50),
  /** The `nextCursor` of the previous page; null or absent for the newest. */
  cursor: z.number().int().positive().nullish(),
});

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: number | null;
}

/** Privileged actions, newest first, a page at a time. */
export function listPrivilegedActions(
  ctx: Pick<CoreContext, 'db'>,
  input: z.output<typeof listAuditInput>,
): AuditPage {
  const rows = createAuditRepository(ctx.db).list({
    limit: input.limit + 1,
    before: input.cursor ?? undefined,
  });
  const entries = rows.slice(0, input.limit);
  return {
    entries,
    nextCursor: rows.length > input.limit ? (entries.at(-1)?.id ?? null) : null,
  };
}
