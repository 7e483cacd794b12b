import {
  auditPolicySchema,
  getAuditPolicy,
  listAuditInput,
  listPrivilegedActions,
  setAuditPolicy,
  setAuditPolicyInput,
} from '@tensornode/core/audit';
import type { AuditEntry } from '@tensornode/db';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { adminProcedure, viewerProcedure } from '../trpc.ts';

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

  /** What copy and Sybil flags do: flag only, or zero the copies; optionally one reward share per Sybil group. */
  policy: {
    get: viewerProcedure.output(auditPolicySchema).query(({ ctx }) => getAuditPolicy(ctx.services)),
    set: adminProcedure
      .input(setAuditPolicyInput.strict())
      .output(auditPolicySchema)
      .mutation(({ ctx, input }) => setAuditPolicy(ctx.services, input)),
  },
} satisfies TRPCRouterRecord;
