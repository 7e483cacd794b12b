import { listAuditInput, listPrivilegedActions } from '@tensornode/core/audit';
import type { AuditEntry } from '@tensornode/db';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { adminProcedure } from '../trpc.ts';

const auditEntry = z.object({
  id: z.number(),
  at: z.date(),
  tokenId: z.string(),
  tokenName: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  outcome: z.string(),
}) satisfies z.ZodType<AuditEntry>;

export const auditRouter = {
  /** Privileged actions, newest first: who, what, target, when, outcome. */
  list: adminProcedure
    .input(listAuditInput)
    .output(z.object({ entries: z.array(auditEntry), nextCursor: z.number().nullable() }))
    .query(({ ctx, input }) => listPrivilegedActions(ctx.services, input)),
} satisfies TRPCRouterRecord;
