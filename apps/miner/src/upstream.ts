/** Forwards a prompt to any OpenAI-compatible chat endpoint (Ollama, vLLM, OpenAI itself). */
import { request } from 'undici';

export interface UpstreamOptions {
  /** Base URL ending before `/chat/completions`, e.g. http://127.0.0.1:11434/v1. */
  url: string;
  /** Model to ask for; when absent the first model `GET {url}/models` lists is used. */
  model?: string | undefined;
  apiKey?: string | undefined;
  timeoutMs?: number;
}

export class UpstreamModelError extends Error {}

const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

interface ChatCompletion {
  model?: unknown;
  choices?: Array<{ message?: { content?: unknown } }>;
}

interface ModelList {
  data?: Array<{ id?: unknown }>;
}

export class UpstreamModel {
  private readonly base: string;
  private readonly timeoutMs: number;
  private discoveredModel: string | undefined;

  constructor(private readonly options: UpstreamOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  /** The model name to report: the configured one, else the one discovered, else undefined. */
  get model(): string | undefined {
    return this.options.model ?? this.discoveredModel;
  }

  async chat(prompt: string): Promise<{ response: string; model: string }> {
    const model = this.options.model ?? (await this.discoverModel());
    const body = (await this.call('POST', '/chat/completions', {
      model,
      messages: [{ role: 'user', content: prompt }],
    })) as ChatCompletion;
    const content = body.choices?.[0]?.message?.content;
    if (typeof content !== 'string')
      throw new UpstreamModelError('response has no choices[0].message.content');
    return { response: content, model };
  }

  private async discoverModel(): Promise<string> {
    if (this.discoveredModel) return this.discoveredModel;
    const list = (await this.call('GET', '/models')) as ModelList;
    const id = list.data?.[0]?.id;
    if (typeof id !== 'string') {
      throw new UpstreamModelError('no model configured (MINER_UPSTREAM_MODEL) and GET /models lists none');
    }
    this.discoveredModel = id;
    return id;
  }

  private async call(method: 'GET' | 'POST', path: string, payload?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    const signal = AbortSignal.timeout(this.timeoutMs);
    let text: string;
    try {
      const response = await request(`${this.base}${path}`, {
        method,
        headers,
        body: payload === undefined ? undefined : JSON.stringify(payload),
        signal,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      if (response.statusCode < 200 || response.statusCode >= 300) {
        await response.body.dump();
        throw new UpstreamModelError(`HTTP ${response.statusCode} from ${method} ${path}`);
      }
      text = await readCapped(response.body, MAX_RESPONSE_BYTES);
    } catch (error) {
      if (error instanceof UpstreamModelError) throw error;
      if (signal.aborted) throw new UpstreamModelError(`no answer within ${this.timeoutMs} ms`);
      throw new UpstreamModelError(`unreachable (${describeNetworkError(error)})`);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new UpstreamModelError(`${method} ${path} did not return JSON`);
    }
  }
}

async function readCapped(body: AsyncIterable<Buffer>, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) throw new UpstreamModelError(`response larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code;
    return typeof code === 'string' ? code : error.name;
  }
  return 'unknown error';
}
