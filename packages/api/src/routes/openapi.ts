import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fastifyTRPCOpenApiPlugin, type OpenAPIObject } from 'trpc-to-openapi';
import type { Metrics } from '../metrics.ts';
import { booleanQueryParameters, REST_BASE_PATH } from '../openapi.ts';
import { appRouter } from '../root.ts';
import type { AppServices } from '../services.ts';
import { createContextFactory } from '../trpc.ts';

/** `GET /openapi.json` and `GET /docs`: Swagger UI served from its npm package, nothing from a CDN. */
export async function openApiDocsRoutes(app: FastifyInstance, options: { document: OpenAPIObject }) {
  app.get('/openapi.json', async (_req, reply) => reply.send(options.document));
  await app.register(swagger, { mode: 'static', specification: { document: options.document as never } });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // Swagger UI's default validator badge would call an outside service.
    uiConfig: { validatorUrl: null, persistAuthorization: false },
    staticCSP: true,
  });
}

export interface RestRoutesOptions {
  services: AppServices;
  metrics: Metrics;
  document: OpenAPIObject;
}

/**
 * The REST surface: trpc-to-openapi calls the same procedures through `createCaller`, so bearer
 * auth, roles and the error mapper are tRPC's own; the rate limits come from the enclosing scope.
 */
export async function restRoutes(api: FastifyInstance, options: RestRoutesOptions) {
  const booleans = booleanQueryParameters(options.document);
  api.addHook('onRequest', async (req, reply) => {
    if (req.method === 'GET' && req.url.startsWith(`${REST_BASE_PATH}/`))
      return refuseBadBooleans(req, reply, booleans);
  });
  await api.register(fastifyTRPCOpenApiPlugin, {
    basePath: REST_BASE_PATH,
    router: appRouter,
    createContext: createContextFactory(options.services, options.metrics) as never,
    onError({
      error,
      path,
      req,
    }: {
      error: { code: string; cause?: unknown };
      path?: string;
      req: FastifyRequest;
    }) {
      if (error.code === 'INTERNAL_SERVER_ERROR') {
        req.log.error({ err: error.cause ?? error, procedure: path }, 'procedure failed');
      } else {
        req.log.info({ procedure: path, code: error.code }, 'procedure refused');
      }
    },
  });
}

/** "true" stays, "false" is dropped (the default is false), anything else is a 400 naming the field. */
function refuseBadBooleans(req: FastifyRequest, reply: FastifyReply, booleans: Map<string, Set<string>>) {
  const path = req.url.split('?')[0]!.slice(REST_BASE_PATH.length);
  const names = booleans.get(path);
  if (!names) return;
  // The adapter reads the query Fastify already parsed.
  const query = req.query as Record<string, string | string[] | undefined>;
  for (const name of names) {
    const values = [query[name] ?? []].flat();
    if (values.some((value) => value !== 'true' && value !== 'false')) {
      return reply.status(400).send({
        message: `${name}: expected true or false`,
        code: 'BAD_REQUEST',
        issues: [{ path: [name], message: 'expected true or false' }],
      });
    }
    if (values.includes('false')) delete query[name];
  }
}
