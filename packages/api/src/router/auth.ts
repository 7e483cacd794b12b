import { createApiToken, revokeApiToken } from '@tensornode/core';
import { createTokenRepository, ROLES } from '@tensornode/db';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { adminProcedure, viewerProcedure } from '../trpc.ts';

const tokenRecord = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  prefix: z.string(),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
});

export const ZCreateTokenInput = z.object({
  name: z.string().trim().min(1).max(100),
  role: z.enum(ROLES),
});

const tokensRouter = {
  create: adminProcedure
    .input(ZCreateTokenInput)
    .output(z.object({ token: z.string(), record: tokenRecord }))
    .mutation(({ ctx, input }) => createApiToken(ctx.services, input)),
  list: adminProcedure
    .output(z.array(tokenRecord))
    .query(({ ctx }) => createTokenRepository(ctx.services.db).list()),
  revoke: adminProcedure
    .input(z.object({ id: z.uuid() }))
    .output(tokenRecord)
    .mutation(({ ctx, input }) => revokeApiToken(ctx.services, { id: input.id })),
} satisfies TRPCRouterRecord;

export const authRouter = {
  /** Who the caller is: lets the dashboard and CLI show only what the role may do. */
  whoami: viewerProcedure
    .output(z.object({ tokenId: z.string(), name: z.string(), role: z.enum(ROLES) }))
    .query(({ ctx }) => ctx.caller),
  tokens: tokensRouter,
} satisfies TRPCRouterRecord;
