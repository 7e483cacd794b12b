import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import { checkHealth, publicHealthReport, VERSION } from '@tensornode/core';
import { recordPrivilegedAction } from '@tensornode/core/audit';
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { refuseUnboundedBodies } from './body-limits.ts';
import { bearerFrom, callerOfRequest } from './caller.ts';
import { httpErrorBody } from './errors.ts';
import type { Logger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { type AppRouter, appRouter } from './root.ts';
import { openApiDocsRoutes, restRoutes } from './routes/openapi.ts';
import { uploadRoutes } from './routes/uploads.ts';
import { validatorKeyRoutes } from './routes/validator-key.ts';
import type { AppServices } from './services.ts';
import { createContextFactory, RateLimitedError } from './trpc.ts';

export interface RateLimits {
  perMinute: number;
  perHour: number;
  deployPerMinute: number;
}

interface RateLimitRefusal {
  message: string;
  retryAfterSeconds: number;
  headers: Record<string, number>;
}

/** The seed's limits: 1000/hour and 100/minute per client, 10/minute on deploy (also the config's defaults). */
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
/** REST `POST /v1/deployments` is deployments.allocate. */
const DEPLOY_REST_ROUTE = /^\/v1\/deployments\/?(?:\?|$)/;
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
    return callerOfRequest(services, req).caller;
  } catch {
    return null;
  }
}

function isDeployRoute(req: FastifyRequest): boolean {
  return DEPLOY_ROUTE.test(req.url) || (req.method === 'POST' && DEPLOY_REST_ROUTE.test(req.url));
}

/** The procedures a tRPC URL names (a batch names several, comma-separated). */
function procedurePaths(req: FastifyRequest): string[] {
  const match = req.url.match(/^\/trpc\/([^?]+)/);
  if (!match?.[1]) return [];
  try {
    return decodeURIComponent(match[1]).split(',');
  } catch {
    return [];
  }
}

/** A hop count as the trust function Fastify builds from one at runtime (its types lack the number form). */
function trustProxyOption(
  value: boolean | number | string,
): boolean | string | ((addr: string, hop: number) => boolean) {
  return typeof value === 'number' ? (_addr, hop) => hop < value : value;
}

/** The seed's limits unless the config changes them. */
export function rateLimitsFromConfig(config: AppServices['config']): RateLimits {
  return {
    perHour: config.RATE_LIMIT_PER_HOUR,
    perMinute: config.RATE_LIMIT_PER_MINUTE,
    deployPerMinute: config.RATE_LIMIT_DEPLOY_PER_MINUTE,
  };
}

export async function buildServer(options: BuildServerOptions): Promise<FastifyInstance> {
  const { services, logger } = options;
  const limits = options.rateLimits ?? rateLimitsFromConfig(services.config);
  const metrics: Metrics = createMetrics();
  const bodyLimit = options.bodyLimitBytes ?? 1024 * 1024;
  const uploadLimit = options.uploadLimitBytes ?? 1024 * 1024;
  services.metricsRelay.attach(metrics);

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit,
    routerOptions: { maxParamLength: 5000 },
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    // Behind a reverse proxy, TRUST_PROXY makes `req.ip` (the rate-limit key) the real client's address.
    trustProxy: trustProxyOption(services.config.TRUST_PROXY),
  });

  app.decorateRequest('resolvedCaller', null);
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
    return reply.status(status).send(httpErrorBody(status, error.message, { code: error.code }));
  });
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send(httpErrorBody(404, `No route ${req.method} ${req.url.split('?')[0]}`)),
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
  const keyOf = (req: FastifyRequest) => clientKey(services, req);
  const budget = (max: number, timeWindow: string, label: string, prefix: string) => ({
    max,
    label,
    check: app.createRateLimit({ max, timeWindow, keyGenerator: (req) => `${prefix}:${keyOf(req)}` }),
  });
  const perHour = budget(limits.perHour, '1 hour', 'hour', 'h');
  const perMinute = budget(limits.perMinute, '1 minute', 'minute', 'm');
  const deploys = budget(limits.deployPerMinute, '1 minute', 'minute on deploy', 'd');
  // One client's spends run one at a time: the in-memory store hands every caller the same mutable
  // counter, so the calls of a batch, checked at once, would all read the final count.
  const spending = new Map<string, Promise<unknown>>();
  const spend = (req: FastifyRequest, deploy: boolean): Promise<RateLimitRefusal | null> => {
    const key = keyOf(req);
    const turn = (spending.get(key) ?? Promise.resolve()).then(() => spendNow(req, deploy));
    const settled = turn.catch(() => {});
    spending.set(key, settled);
    void settled.then(() => {
      if (spending.get(key) === settled) spending.delete(key);
    });
    return turn;
  };
  /** Spends one unit of each budget that applies; the first one exceeded, or null when all allow it. */
  const spendNow = async (req: FastifyRequest, deploy: boolean): Promise<RateLimitRefusal | null> => {
    for (const limit of deploy ? [perHour, perMinute, deploys] : [perHour, perMinute]) {
      const result = await limit.check(req);
      if (result.isAllowed || !result.isExceeded) continue;
      const retryAfterSeconds = result.ttlInSeconds;
      return {
        retryAfterSeconds,
        headers: {
          'retry-after': retryAfterSeconds,
          'x-ratelimit-limit': limit.max,
          'x-ratelimit-remaining': 0,
          'x-ratelimit-reset': retryAfterSeconds,
        },
        message: `Rate limit exceeded: ${limit.max} requests per ${limit.label}; retry in ${retryAfterSeconds} s`,
      };
    }
    return null;
  };
  // tRPC calls are counted one by one as they run (a batch of 25 spends 25); this hook counts the
  // REST routes, and a tRPC request naming an unknown procedure once, so probing is not free.
  const enforceRateLimits = async (req: FastifyRequest, reply: FastifyReply) => {
    const procedures = procedurePaths(req);
    if (procedures.length > 0 && procedures.every((p) => p in appRouter._def.procedures)) return;
    const refusal = await spend(req, isDeployRoute(req));
    if (!refusal) return;
    return reply
      .status(429)
      .headers(refusal.headers)
      .send({
        statusCode: 429,
        ...httpErrorBody(429, refusal.message, { retryAfterSeconds: refusal.retryAfterSeconds }),
      });
  };
  const spendOnCall = (req: FastifyRequest, reply: FastifyReply) => async (procedure: string) => {
    const refusal = await spend(req, DEPLOY_PROCEDURES.includes(procedure));
    if (!refusal) return;
    reply.headers(refusal.headers);
    throw new RateLimitedError(refusal.message, refusal.retryAfterSeconds);
  };

  await app.register(multipart, {
    limits: { fileSize: uploadLimit, files: 1, fields: 10, fieldSize: 4096 },
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

  app.get('/metrics', async (req, reply) => {
    const required = services.config.METRICS_TOKEN;
    if (required && !sameSecret(bearerFrom(req.headers.authorization), required)) {
      return reply
        .status(401)
        .header('www-authenticate', 'Bearer realm="metrics"')
        .send(httpErrorBody(401, 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>'));
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  const openApiDocument = buildOpenApiDocument();
  await app.register(openApiDocsRoutes, { document: openApiDocument });

  // API scope: rate-limited, tRPC under /trpc and the REST upload routes beside it.
  await app.register(async (api) => {
    api.addHook('onRequest', enforceRateLimits);
    api.addHook('onRequest', refuseUnboundedBodies({ jsonBytes: bodyLimit, uploadBytes: uploadLimit }));
    // The REST upload routes are privileged writes: each leaves an audit record, as mutations do.
    // Recorded before the answer leaves (onSend), so whoever reads the audit next already sees it.
    api.addHook('onSend', async (req, reply, payload) => {
      const route = req.routeOptions.url;
      if (req.method !== 'POST' || !route?.startsWith('/v1/')) return payload;
      const caller = callerOrNull(services, req);
      if (!caller) return payload;
      const vmId = (req.params as { vmId?: unknown } | undefined)?.vmId;
      recordPrivilegedAction(services, {
        tokenId: caller.tokenId,
        tokenName: caller.name,
        action: `POST ${route}`,
        target: typeof vmId === 'string' ? `vmId=${vmId.slice(0, 200)}` : null,
        outcome: reply.statusCode < 400 ? 'ok' : `http_${reply.statusCode}`,
      });
      return payload;
    });

    await api.register(fastifyTRPCPlugin, {
      prefix: '/trpc',
      trpcOptions: {
        router: appRouter,
        createContext: createContextFactory(services, metrics, spendOnCall),
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
    await api.register(restRoutes, { services, metrics, document: openApiDocument });
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

/** Constant-time comparison of a presented secret with the configured one. */
function sameSecret(presented: string | undefined, expected: string): boolean {
  if (!presented) return false;
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
