/** The reference miner's HTTP server: POST /api/chat and GET /health. Reads no environment. */
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { z } from 'zod';
import type { RequestVerifier } from './request-signature.ts';
import { solve } from './solver.ts';
import { UpstreamModel, UpstreamModelError, type UpstreamOptions } from './upstream.ts';

export interface MinerServerOptions {
  /** Name reported as `model` when the built-in solver answers. */
  modelName: string;
  /** When set, prompts go to this OpenAI-compatible model instead of the solver. */
  upstream?: UpstreamOptions | undefined;
  logger?: FastifyServerOptions['logger'];
  /** When set (VALIDATOR_PUBLIC_KEY), chat requests must be signed by the validator: else 401. */
  requestVerifier?: RequestVerifier | undefined;
}

const chatRequestSchema = z.object({
  prompt: z.string().min(1).max(20_000),
});

export function buildMinerServer(options: MinerServerOptions): FastifyInstance {
  const startedAt = Date.now();
  const upstream = options.upstream ? new UpstreamModel(options.upstream) : undefined;
  const app = Fastify({
    logger: options.logger ?? false,
    // Miners are polled constantly; a log line per request would drown everything else.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 256 * 1024,
  });

  app.setErrorHandler((error, request, reply) => {
    const statusCode = (error as { statusCode?: number }).statusCode ?? 500;
    if (statusCode >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.status(500).send({ error: 'internal error' });
    }
    // Fastify's own 4xx (malformed JSON, wrong content type, body too large) carry safe messages.
    return reply.status(statusCode).send({ error: error instanceof Error ? error.message : 'bad request' });
  });

  const verifier = options.requestVerifier;
  const rawBodies = new WeakMap<object, Buffer>();
  if (verifier) {
    // The signature covers the body's exact bytes: keep them beside the parsed JSON.
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
      rawBodies.set(request, body as Buffer);
      parseJson(request, (body as Buffer).toString('utf8'), done);
    });
  }

  app.get('/health', async () => ({
    status: 'ok' as const,
    model: upstream ? (upstream.model ?? 'upstream (model not yet discovered)') : options.modelName,
    uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000),
  }));

  app.post('/api/chat', async (request, reply) => {
    if (verifier) {
      const check = verifier.check(request.headers, rawBodies.get(request) ?? Buffer.alloc(0));
      if (!check.ok) {
        request.log.warn({ reason: check.reason }, 'refused a request not signed by the validator');
        return reply.status(401).send({ error: `request signature: ${check.reason}` });
      }
    }
    const parsed = chatRequestSchema.safeParse(request.body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const message = issue?.path.length
        ? `${issue.path.join('.')}: ${issue.message}`
        : 'prompt: expected a JSON object {"prompt": string}';
      return reply.status(400).send({ error: message });
    }
    const { prompt } = parsed.data;
    if (!upstream) return { response: solve(prompt).text, model: options.modelName };
    try {
      return await upstream.chat(prompt);
    } catch (error) {
      if (!(error instanceof UpstreamModelError)) throw error;
      request.log.warn({ reason: error.message }, 'upstream model failed');
      return reply.status(502).send({ error: `upstream model: ${error.message}` });
    }
  });

  return app;
}
