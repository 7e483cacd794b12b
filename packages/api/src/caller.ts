import { authenticateBearer, roleAtLeast } from '@tensornode/core';
import type { Role } from '@tensornode/db';
import { TRPCError } from '@trpc/server';
import type { FastifyRequest } from 'fastify';
import type { AppServices } from './services.ts';

/** Who a request speaks for, once its bearer token is resolved. */
export interface Caller {
  tokenId: string;
  name: string;
  role: Role;
  /** Set when the bearer is a dashboard session standing in for the token. */
  sessionId?: string;
}

export interface ResolvedCaller {
  caller: Caller | null;
  /** A bearer token was sent but is unknown or revoked. */
  badToken: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's caller, resolved on first use by `callerOfRequest` (null until then). */
    resolvedCaller: ResolvedCaller | null;
  }
}

// Tokens are accepted only in the Authorization header: a token in a URL would end up in logs.
export function bearerFrom(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/** Looks a bearer secret up in the database: the one place a token is resolved. */
export function resolveCaller(services: AppServices, secret: string | undefined): ResolvedCaller {
  if (!secret) return { caller: null, badToken: false };
  const principal = authenticateBearer(services, secret);
  if (!principal) return { caller: null, badToken: true };
  return { caller: principal, badToken: false };
}

/**
 * The request's caller, looked up once however many readers ask (rate limits, the tRPC context of
 * every call in a batch, the REST routes, the audit hook). A failed lookup is not remembered.
 */
export function callerOfRequest(services: AppServices, req: FastifyRequest): ResolvedCaller {
  req.resolvedCaller ??= resolveCaller(services, bearerFrom(req.headers.authorization));
  return req.resolvedCaller;
}

/**
 * The one role check: the caller when it holds `role` or more, else UNAUTHORIZED (no or bad token)
 * or FORBIDDEN (too low a role). `needs` says what wants the token when it is missing.
 */
export function authorize(
  { caller, badToken }: ResolvedCaller,
  role: Role,
  needs = 'An API token is required',
): Caller {
  if (!caller) {
    throw new TRPCError({
      code: 'UNAUTHORIZED',
      message: badToken ? 'Invalid or revoked API token' : `${needs} (Authorization: Bearer …)`,
    });
  }
  if (!roleAtLeast(caller.role, role)) {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: `This needs the ${role} role; your token has ${caller.role}`,
    });
  }
  return caller;
}
