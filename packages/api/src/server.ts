import { randomUUID } from 'node:crypto';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import { checkHealth, publicHealthReport, VERSION } from '@tensornode/core';
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { type AppRouter, appRouter } from './root.ts';
import { uploadRoutes } from './routes/uploads.ts';
import { validatorKeyRoutes } from './routes/validator-key.ts';
import type { AppServices } from './services.ts';
import { bearerFrom, createContextFactory, resolveCaller } from './trpc.ts';

export interface RateLimits {
  perMinute: number;
  perHour: number;
  deployPerMinute: number;
}

/** The seed's limits: 1000/hour and 100/minute per client, 10/minute on deploy. */
export const SEED_RATE_LIMITS: RateLimits = { perMinute: 100, perHour: 1000, deployPerMinute: 10 };

export interface BuildServerOptions {
  services: AppServices;
  logger: Logger;
  rateLimits?: RateLimits;
  /** JSON body limit for tRPC calls. */
  bodyLimitBytes?: number;
  /** Redis key prefix of the rate-limit budgets (tests isolate themselves with their own). */
  rateLimitNamespace?: string;
  /** Size limit of one uploaded file on the multipart routes. */
  uploadLimitBytes?: number;
}

/** Calls that rent VMs or build containers share the seed's 10/minute deploy budget. */
const DEPLOY_PROCEDURES = ['vms.deploy', 'deployments.allocate', 'docker.deployFromUrl'];
const DEPLOY_ROUTE = /^\/v1\/vms\/[^/?]+\/docker(?:\?|$)/;
const REQUEST_ID = /^[\w.-]{1,64}$/;

/**
 * Rate-limit key: the token when it authenticates, else the client address. A made-up bearer
 * header must not buy a fresh budget.
 */
function clientKey(services: AppServices, req: FastifyRequest): string {
  const caller = callerOrNull(services, req);
  return caller ? `t:${caller.tokenId}` : `ip:${req.ip}`;
}

/** The authenticated caller, or null — also when the database cannot be read (health must still answer). */
function callerOrNull(services: AppServices, req: FastifyRequest) {
  try {
    return resolveCaller(services, bearerFrom(req.headers.authorization)).caller;
  } catch {
    return null;
  }
}

function isDeploy(req: FastifyRequest): boolean {
  return DEPLOY_ROUTE.test(req.url) || procedurePaths(req).some((p) => DEPLOY_PROCEDURES.includes(p));
}

function procedurePaths(req: FastifyRequest): string[] {
  const match = req.url.match(/^\/trpc\/([^?]+)/);
  return match?.[1] ? decodeURIComponent(match[1]).split(',') : [];
}

export async function buildServer(options: BuildServerOptions): Promise<FastifyInstance> {
  const { services, logger } = options;
  const limits = options.rateLimits ?? SEED_RATE_LIMITS;
  const metrics: Metrics = createMetrics();

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: options.bodyLimitBytes ?? 1024 * 1024,
    routerOptions: { maxParamLength: 5000 },
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    trustProxy: false,
  });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unknown';
    metrics.httpRequests.inc({ method: req.method, route, status: reply.statusCode });
    metrics.httpDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });

  // One handler for everything Fastify itself rejects (malformed JSON, oversized bodies, 404s):
  // 4xx keep their message, 5xx never reveal theirs.
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) {
      req.log.error({ err: error }, 'request failed');
      return reply.status(status).send({ error: 'Internal Server Error', message: 'Internal server error' });
    }
    return reply.status(status).send({ error: httpReason(status), message: error.message, code: error.code });
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .status(404)
      .send({ error: 'Not Found', message: `No route ${req.method} ${req.url.split('?')[0]}` }),
  );

  // Several budgets apply to one request (hour, minute, deploy), so each limiter is checked here
  // rather than through the plugin's per-route hook, which runs only the first limiter it meets.
  // With REDIS_URL the budgets live in Redis, so every API instance shares them; if Redis is away
  // requests are let through (health reports it) rather than refused.
  await app.register(rateLimit, {
    global: false,
    ...(services.redis
      ? {
          redis: services.redis,
          nameSpace: options.rateLimitNamespace ?? 'tensornode:ratelimit:',
          skipOnError: true,
        }
      : {}),
  });
  const budget = (max: number, timeWindow: string, label: string, prefix: string) => ({
    max,
    label,
    check: app.createRateLimit({
      max,
      timeWindow,
      keyGenerator: (req) => `${prefix}:${clientKey(services, req)}`,
    }),
  });
  const perHour = budget(limits.perHour, '1 hour', 'hour', 'h');
  const perMinute = budget(limits.perMinute, '1 minute', 'minute', 'm');
  const deploys = budget(limits.deployPerMinute, '1 minute', 'minute on deploy', 'd');
  const enforceRateLimits = async (req: FastifyRequest, reply: FastifyReply) => {
    const applicable = isDeploy(req) ? [perHour, perMinute, deploys] : [perHour, perMinute];
    for (const limit of applicable) {
      const result = await limit.check(req);
      if (result.isAllowed || !result.isExceeded) continue;
      return reply
        .status(429)
        .header('retry-after', result.ttlInSeconds)
        .header('x-ratelimit-limit', limit.max)
        .header('x-ratelimit-remaining', 0)
        .header('x-ratelimit-reset', result.ttlInSeconds)
        .send({
          statusCode: 429,
          error: 'Too Many Requests',
          message: `Rate limit exceeded: ${limit.max} requests per ${limit.label}; retry in ${result.ttlInSeconds} s`,
          retryAfterSeconds: result.ttlInSeconds,
        });
    }
  };

  await app.register(multipart, {
    limits: { fileSize: options.uploadLimitBytes ?? 1024 * 1024, files: 1, fields: 10, fieldSize: 4096 },
  });

  app.get('/health', async (req, reply) => {
    const report = await checkHealth(services.healthProbes, {
      version: VERSION,
      startedAt: services.startedAt,
    });
    const caller = callerOrNull(services, req);
    return reply
      .status(report.status === 'healthy' ? 200 : 503)
      .send(caller ? report : publicHealthReport(report));
  });

  app.get('/metrics', async (_req, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );

  // API scope: rate-limited, tRPC under /trpc and the REST upload routes beside it.
  await app.register(async (api) => {
    api.addHook('onRequest', enforceRateLimits);

    await api.register(fastifyTRPCPlugin, {
      prefix: '/trpc',
      trpcOptions: {
        router: appRouter,
        createContext: createContextFactory(services, metrics),
        maxBatchSize: 25,
        onError({ error, path, req }) {
          if (error.code === 'INTERNAL_SERVER_ERROR') {
            req.log.error({ err: error.cause ?? error, procedure: path }, 'procedure failed');
          } else {
            req.log.info({ procedure: path, code: error.code }, 'procedure refused');
          }
        },
      } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'],
    });
    await api.register(uploadRoutes, { services });
    await api.register(validatorKeyRoutes, { services });
  });

  app.addHook('preClose', async () => {
    services.progress.close();
  });
  app.addHook('onClose', async () => {
    await services.close();
  });

  return app;
}

function httpReason(status: number): string {
  const reasons: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    406: 'Not Acceptable',
    413: 'Payload Too Large',
    415: 'Unsupported Media Type',
    429: 'Too Many Requests',
  };
  return reasons[status] ?? 'Client Error';
}
