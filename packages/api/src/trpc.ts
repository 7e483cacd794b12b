import type { Logger } from '@tensornode/core';
import { describeTarget, recordPrivilegedAction } from '@tensornode/core/audit';
import type { Role } from '@tensornode/db';
import { initTRPC, TRPCError } from '@trpc/server';
import type { CreateFastifyContextOptions } from '@trpc/server/adapters/fastify';
import superjson from 'superjson';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { ZodError } from 'zod';
import { authorize, type Caller, callerOfRequest } from './caller.ts';
import { toTRPCError } from './errors.ts';
import type { Metrics } from './metrics.ts';
import type { AppServices } from './services.ts';

// ---------------------------------------------------------------- context

export { bearerFrom, type Caller, resolveCaller } from './caller.ts';

export interface Context {
  services: AppServices;
  metrics: Metrics | undefined;
  caller: Caller | null;
  /** A bearer token was sent but is unknown or revoked. */
  badToken: boolean;
  log: Logger;
  requestId: string;
  /** Spends the caller's rate-limit budgets on one call (HTTP only); throws RateLimitedError when spent. */
  spendRateLimit?: (procedure: string) => Promise<void>;
}

/** A call refused by a rate limit; its error data says when to retry. */
export class RateLimitedError extends TRPCError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super({ code: 'TOO_MANY_REQUESTS', message });
  }
}

export function createContextFactory(
  services: AppServices,
  metrics?: Metrics,
  rateLimiter?: (
    req: CreateFastifyContextOptions['req'],
    res: CreateFastifyContextOptions['res'],
  ) => Context['spendRateLimit'],
) {
  return ({ req, res }: CreateFastifyContextOptions): Context => {
    return {
      services,
      metrics,
      ...callerOfRequest(services, req),
      log: req.log,
      requestId: String(req.id),
      ...(rateLimiter ? { spendRateLimit: rateLimiter(req, res) } : {}),
    };
  };
}

/** For `createCaller` in tests and the CLI: a context for a given role without HTTP. */
export function createInternalContext(
  services: AppServices,
  caller: Caller | null,
  metrics?: Metrics,
): Context {
  return { services, metrics, caller, badToken: false, log: services.log, requestId: 'internal' };
}

// ---------------------------------------------------------------- init

function describeZodError(error: ZodError): { message: string; issues: { path: string; message: string }[] } {
  const issues = error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || 'input',
    message: issue.message,
  }));
  return { message: issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues };
}

// Procedures on the REST surface carry `.meta({ openapi })` (see openapi.ts).
const trpcWithMeta = initTRPC.context<Context>().meta<OpenApiMeta>();

const t = trpcWithMeta.create({
  transformer: superjson,
  isDev: false,
  // Keep-alives on idle progress streams, so proxies do not cut them; a client that hears nothing
  // for 30 s reconnects (with its last event id).
  sse: { ping: { enabled: true, intervalMs: 10_000 }, client: { reconnectAfterInactivityMs: 30_000 } },
  errorFormatter({ shape, error }) {
    const { stack: _stack, ...data } = shape.data;
    if (error.code === 'BAD_REQUEST' && error.cause instanceof ZodError) {
      const described = describeZodError(error.cause);
      return { ...shape, message: described.message, data: { ...data, issues: described.issues } };
    }
    if (error instanceof RateLimitedError) {
      return { ...shape, data: { ...data, retryAfterSeconds: error.retryAfterSeconds } };
    }
    return { ...shape, data };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

// ---------------------------------------------------------------- procedures

const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    (result as { error: TRPCError }).error = toTRPCError(result.error);
  }
  return result;
});

const observe = t.middleware(async ({ ctx, path, type, next }) => {
  const stopTimer = ctx.metrics?.procedureDuration.startTimer({ procedure: path, type });
  const result = await next();
  stopTimer?.();
  ctx.metrics?.procedureCalls.inc({ procedure: path, type, code: result.ok ? 'OK' : result.error.code });
  return result;
});

// Each call of a batch is counted on its own, so a batch of 25 spends 25 of the caller's budget.
const rateLimit = t.middleware(async ({ ctx, path, next }) => {
  await ctx.spendRateLimit?.(path);
  return next();
});

export const publicProcedure = t.procedure.use(observe).use(rateLimit).use(mapErrors);

function requireRole(role: Role) {
  return t.middleware(({ ctx, next }) => {
    const caller = authorize(ctx, role);
    return next({ ctx: { ...ctx, caller } });
  });
}

export const viewerProcedure = publicProcedure.use(requireRole('viewer'));
/** Operator and admin mutations leave an audit record, refused ones included; queries do not. */
const auditPrivileged = t.middleware(async ({ ctx, path, type, getRawInput, next }) => {
  const result = await next();
  if (type === 'mutation' && ctx.caller) {
    const input = await getRawInput().catch(() => undefined);
    recordPrivilegedAction(ctx.services, {
      tokenId: ctx.caller.tokenId,
      tokenName: ctx.caller.name,
      action: path,
      target: describeTarget(input),
      outcome: result.ok ? 'ok' : toTRPCError(result.error).code,
    });
  }
  return result;
});

export const operatorProcedure = publicProcedure.use(auditPrivileged).use(requireRole('operator'));
export const adminProcedure = publicProcedure.use(auditPrivileged).use(requireRole('admin'));
