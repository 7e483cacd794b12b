import { createApiToken, createSession, revokeApiToken, revokeSession } from '@tensornode/core';
import { createTokenRepository, type PublicApiToken, ROLES } from '@tensornode/db';
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
  expiresAt: z.date().nullable(),
}) satisfies z.ZodType<PublicApiToken>;

export const ZCreateTokenInput = z.object({
  name: z.string().trim().min(1).max(100),
  role: z.enum(ROLES),
  /** Unset: the token never expires. */
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});

/** Dashboard sessions: the dashboard keeps a session secret in its cookie, never the token. */
const sessionsRouter = {
  /** Issues a session for the caller's API token (sent as the bearer); sessions cannot beget sessions. */
  create: viewerProcedure
    .output(z.object({ secret: z.string(), sessionId: z.string(), expiresAt: z.date() }))
    .mutation(({ ctx }) =>
      createSession(ctx.services, { tokenId: ctx.caller.tokenId, viaSession: Boolean(ctx.caller.sessionId) }),
    ),
  /** Sign-out: ends the session the caller is using. */
  revoke: viewerProcedure.output(z.object({ revoked: z.boolean() })).mutation(({ ctx }) => {
    if (!ctx.caller.sessionId) return { revoked: false };
    revokeSession(ctx.services, { sessionId: ctx.caller.sessionId });
    return { revoked: true };
  }),
} satisfies TRPCRouterRecord;

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
  sessions: sessionsRouter,
} satisfies TRPCRouterRecord;
