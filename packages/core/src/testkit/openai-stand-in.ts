import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';

/**
 * A loopback stand-in for OpenAI's chat completions API (`POST /v1/chat/completions`): it checks
 * the bearer key and the body the way the real API does, answers in its response shape, plays
 * scripted replies (content, 429 with Retry-After, 5xx, delays, dropped connections) and records
 * every request and the most requests it ever had in flight at once.
 */
export interface OpenAiStandInOptions {
  apiKey: string;
  /** Content of the assistant message when no scripted reply is queued. Default "Score: 50". */
  defaultContent?: string | ((request: ChatRequest) => string);
}

/** One scripted reply. Without `status`, a 200 chat completion carrying `content`. */
export interface ScriptedReply {
  content?: string;
  status?: number;
  headers?: Record<string, string>;
  /** Raw JSON body for error statuses; defaults to OpenAI's `{"error": {...}}` shape. */
  body?: unknown;
  /** Waits this long before answering. */
  delayMs?: number;
  /** Drops the connection without an answer. */
  drop?: boolean;
}

const messageSchema = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.string(),
});
const chatRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(messageSchema).min(1),
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: z.number().int().positive().optional(),
  max_completion_tokens: z.number().int().positive().optional(),
});
export type ChatRequest = z.infer<typeof chatRequestSchema>;

export interface RecordedChatRequest {
  path: string;
  auth: 'valid' | 'wrong' | 'missing';
  /** Parsed body; undefined when it was not JSON. */
  body: unknown;
}

export interface OpenAiStandIn {
  /** Base URL for the client, ending in `/v1`. */
  baseUrl: string;
  requests: RecordedChatRequest[];
  /** The most requests that were being answered at the same moment. */
  maxInFlight: number;
  /** Queues replies, played in order, one per request that reaches the completions route. */
  script(...replies: ScriptedReply[]): void;
  close(): Promise<void>;
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function openAiError(message: string, type: string, code: string | null) {
  return { error: { message, type, param: null, code } };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startOpenAiStandIn(options: OpenAiStandInOptions): Promise<OpenAiStandIn> {
  const queue: ScriptedReply[] = [];
  const requests: RecordedChatRequest[] = [];
  let inFlight = 0;
  const state = { maxInFlight: 0 };

  const server = createServer(async (req, res) => {
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    res.on('close', () => inFlight--);

    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      body = undefined;
    }
    const header = req.headers.authorization;
    const auth = header === undefined ? 'missing' : header === `Bearer ${options.apiKey}` ? 'valid' : 'wrong';
    requests.push({ path, auth, body });

    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      sendJson(
        res,
        404,
        openAiError(`Unknown request URL: ${req.method} ${path}.`, 'invalid_request_error', null),
      );
      return;
    }
    if (auth !== 'valid') {
      const message =
        auth === 'missing'
          ? "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
          : 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.';
      sendJson(res, 401, openAiError(message, 'invalid_request_error', 'invalid_api_key'));
      return;
    }
    const parsed = chatRequestSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const param = issue?.path.join('.') || null;
      sendJson(res, 400, {
        error: {
          message: issue?.message ?? 'Invalid body',
          type: 'invalid_request_error',
          param,
          code: null,
        },
      });
      return;
    }

    const reply = queue.shift() ?? {};
    if (reply.delayMs) await sleep(reply.delayMs);
    if (reply.drop) {
      req.socket.destroy();
      return;
    }
    if (reply.status !== undefined && reply.status !== 200) {
      const fallback =
        reply.status === 429
          ? openAiError('Rate limit reached for requests.', 'requests', 'rate_limit_exceeded')
          : openAiError('The server had an error while processing your request.', 'server_error', null);
      sendJson(res, reply.status, reply.body ?? fallback, reply.headers);
      return;
    }
    const { defaultContent = 'Score: 50' } = options;
    const content =
      reply.content ?? (typeof defaultContent === 'function' ? defaultContent(parsed.data) : defaultContent);
    sendJson(
      res,
      200,
      {
        id: `chatcmpl-${randomBytes(12).toString('hex')}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: parsed.data.model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content, refusal: null },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage: {
          prompt_tokens: Math.ceil(raw.length / 4),
          completion_tokens: Math.ceil(content.length / 4),
          total_tokens: Math.ceil((raw.length + content.length) / 4),
        },
      },
      reply.headers,
    );
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    get maxInFlight() {
      return state.maxInFlight;
    },
    script: (...replies) => {
      queue.push(...replies);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
