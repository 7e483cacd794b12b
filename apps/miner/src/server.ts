/** The reference miner's HTTP server: POST /api/chat and GET /health. Reads no environment. */
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { z } from 'zod';
import { solve } from './solver.ts';
import { UpstreamModel, UpstreamModelError, type UpstreamOptions } from './upstream.ts';

export interface MinerServerOptions {
  /** Name reported as `model` when the built-in solver answers. */
  modelName: string;
  /** When set, prompts go to this OpenAI-compatible model instead of the solver. */
  upstream?: UpstreamOptions | undefined;
  logger?: FastifyServerOptions['logger'];
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

  app.get('/health', async () => ({
    status: 'ok' as const,
    model: upstream ? (upstream.model ?? 'upstream (model not yet discovered)') : options.modelName,
    uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000),
  }));

  app.post('/api/chat', async (request, reply) => {
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
