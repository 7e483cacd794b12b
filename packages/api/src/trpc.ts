import { authenticateBearer, type Logger, roleAtLeast } from '@tensornode/core';
import { describeTarget, recordPrivilegedAction } from '@tensornode/core/audit';
import type { Role } from '@tensornode/db';
import { initTRPC, TRPCError } from '@trpc/server';
import type { CreateFastifyContextOptions } from '@trpc/server/adapters/fastify';
import superjson from 'superjson';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { ZodError } from 'zod';
import { toTRPCError } from './errors.ts';
import type { Metrics } from './metrics.ts';
import type { AppServices } from './services.ts';

// ---------------------------------------------------------------- context

export interface Caller {
  tokenId: string;
  name: string;
  role: Role;
  /** Set when the bearer is a dashboard session standing in for the token. */
  sessionId?: string;
}

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

export function bearerFrom(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

export function resolveCaller(
  services: AppServices,
  secret: string | undefined,
): Pick<Context, 'caller' | 'badToken'> {
  if (!secret) return { caller: null, badToken: false };
  const principal = authenticateBearer(services, secret);
  if (!principal) return { caller: null, badToken: true };
  return { caller: principal, badToken: false };
}

export function createContextFactory(
  services: AppServices,
  metrics?: Metrics,
  rateLimiter?: (
    req: CreateFastifyContextOptions['req'],
    res: CreateFastifyContextOptions['res'],
  ) => Context['spendRateLimit'],
) {
  // Tokens are accepted only in the Authorization header: a token in a URL would end up in logs.
  return ({ req, res }: CreateFastifyContextOptions): Context => {
    const secret = bearerFrom(req.headers.authorization);
    return {
      services,
      metrics,
      ...resolveCaller(services, secret),
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
    if (!ctx.caller) {
      throw new TRPCError({
        code: 'UNAUTHORIZED',
        message: ctx.badToken
          ? 'Invalid or revoked API token'
          : 'An API token is required (Authorization: Bearer …)',
      });
    }
    if (!roleAtLeast(ctx.caller.role, role)) {
      throw new TRPCError({
        code: 'FORBIDDEN',
        message: `This needs the ${role} role; your token has ${ctx.caller.role}`,
      });
    }
    return next({ ctx: { ...ctx, caller: ctx.caller } });
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
