import { Agent, type Dispatcher, request } from 'undici';

/** Why a miner's answer counts as no answer. */
export const MINER_FAILURE_REASONS = [
  'refused',
  'reset',
  'timeout',
  'too_large',
  'invalid_json',
  'empty',
  'redirect',
  'unreachable',
] as const;
export type MinerFailureReason = (typeof MINER_FAILURE_REASONS)[number] | `http_${number}`;

export interface MinerTarget {
  vmId: string;
  endpoint: string;
}

export type MinerAnswer = MinerTarget & { latencyMs: number; httpStatus: number | null } & (
    | { ok: true; response: string; reason: null }
    | { ok: false; response: null; reason: MinerFailureReason }
  );

export interface QueryMinersInput {
  miners: readonly MinerTarget[];
  prompt: string;
  /** One total deadline per miner, from dispatch to the last body byte: connect, headers and body. */
  deadlineMs: number;
  concurrency: number;
  maxResponseBytes: number;
  /** Defaults to an agent created for this batch and closed after it. */
  dispatcher?: Dispatcher;
  /** Called as each miner's answer settles, in completion order. */
  onResult?: (answer: MinerAnswer, index: number) => void;
  /** See MAX_IDLE_ORIGINS. */
  maxIdleOrigins?: number;
  /** Stops dispatching and aborts requests in flight (they settle as `timeout`). */
  signal?: AbortSignal;
}

/**
 * Above this many distinct miner origins in one batch, each connection is closed as soon as its
 * answer is read, so open sockets never exceed the requests in flight (10,000 miners fit any
 * sane fd limit). Below it, answered connections idle until the batch ends and are closed off the
 * round's critical path: undici formats an error stack for every socket it closes, which costs
 * ~0.2 ms each under a source-mapped runtime (tsx).
 */
export const MAX_IDLE_ORIGINS = 2048;

/**
 * An agent for a fan-out. `connections` caps sockets per origin (miners sharing an origin).
 * undici 7 follows no redirect unless a redirect interceptor is composed in, and none is.
 */
export function createFanOutAgent(connectionsPerOrigin: number, idleTimeoutMs = 2_000): Agent {
  return new Agent({
    connections: connectionsPerOrigin,
    pipelining: 1,
    keepAliveTimeout: idleTimeoutMs,
    keepAliveMaxTimeout: idleTimeoutMs,
  });
}

/**
 * Asks every miner the same prompt with bounded concurrency. Self-contained: miners and prompt in,
 * answers out (in input order), no shared state — a batch can run in another process unchanged.
 */
export async function queryMiners(input: QueryMinersInput): Promise<MinerAnswer[]> {
  const { miners, onResult, signal } = input;
  const origins = countOrigins(miners);
  const closeAfterAnswer = origins.size > (input.maxIdleOrigins ?? MAX_IDLE_ORIGINS);
  let busiestOrigin = 1;
  for (const count of origins.values()) busiestOrigin = Math.max(busiestOrigin, count);
  const ownAgent = input.dispatcher
    ? undefined
    : createFanOutAgent(Math.min(input.concurrency, busiestOrigin));
  const dispatcher = input.dispatcher ?? ownAgent!;
  const body = JSON.stringify({ prompt: input.prompt });
  const results = new Array<MinerAnswer>(miners.length);
  // One listener on the caller's signal aborts every request in flight.
  const inFlight = new Set<AbortController>();
  const abortAll = () => {
    for (const c of inFlight) c.abort();
  };
  signal?.addEventListener('abort', abortAll, { once: true });
  let next = 0;

  const worker = async () => {
    while (next < miners.length && !signal?.aborted) {
      const index = next++;
      const answer = await askMiner(miners[index]!, body, input, { dispatcher, inFlight, closeAfterAnswer });
      results[index] = answer;
      onResult?.(answer, index);
    }
  };

  try {
    const workers = Math.max(1, Math.min(input.concurrency, miners.length));
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    signal?.removeEventListener('abort', abortAll);
    // Every request has settled; closing the idle sockets can wait until the caller moved on.
    if (ownAgent) setImmediate(() => ownAgent.close().catch(() => {}));
  }
  if (signal?.aborted) throw signal.reason ?? new Error('aborted');
  return results;
}

function countOrigins(miners: readonly MinerTarget[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { endpoint } of miners) {
    // An endpoint that is not a URL fails on its own as `unreachable`; count it as its own origin.
    const origin = URL.canParse(endpoint) ? new URL(endpoint).origin : endpoint;
    counts.set(origin, (counts.get(origin) ?? 0) + 1);
  }
  return counts;
}

async function askMiner(
  miner: MinerTarget,
  body: string,
  input: QueryMinersInput,
  {
    dispatcher,
    inFlight,
    closeAfterAnswer,
  }: { dispatcher: Dispatcher; inFlight: Set<AbortController>; closeAfterAnswer: boolean },
): Promise<MinerAnswer> {
  const started = performance.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), input.deadlineMs);
  inFlight.add(controller);
  let httpStatus: number | null = null;
  const done = (
    outcome: { ok: true; response: string } | { ok: false; reason: MinerFailureReason },
  ): MinerAnswer => {
    const base = { ...miner, latencyMs: Math.round(performance.now() - started), httpStatus };
    return outcome.ok
      ? { ...base, ok: true, response: outcome.response, reason: null }
      : { ...base, ok: false, response: null, reason: outcome.reason };
  };

  try {
    const res = await request(miner.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/plain;q=0.9' },
      body,
      dispatcher,
      signal: controller.signal,
      reset: closeAfterAnswer,
      // Our own timer is the one deadline; undici's coarse timers (≈0.5 s ticks) only back it up.
      headersTimeout: input.deadlineMs + 1000,
      bodyTimeout: input.deadlineMs + 1000,
    });
    httpStatus = res.statusCode;
    if (res.statusCode < 200 || res.statusCode >= 300) {
      discard(res.body);
      return done({
        ok: false,
        reason: res.statusCode < 400 && res.statusCode >= 300 ? 'redirect' : `http_${res.statusCode}`,
      });
    }
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > input.maxResponseBytes) {
      discard(res.body);
      return done({ ok: false, reason: 'too_large' });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > input.maxResponseBytes) {
        discard(res.body);
        return done({ ok: false, reason: 'too_large' });
      }
      chunks.push(chunk);
    }
    const parsed = parseMinerAnswer(
      Buffer.concat(chunks, size).toString('utf8'),
      headerValue(res.headers['content-type']),
    );
    return done(parsed);
  } catch (error) {
    return done({ ok: false, reason: controller.signal.aborted ? 'timeout' : failureReason(error) });
  } finally {
    clearTimeout(timer);
    inFlight.delete(controller);
  }
}

/** Drops a body we will not read; the connection closes with it. */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => {});
  body.destroy();
}

function headerValue(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value)?.toLowerCase() ?? '';
}

/**
 * Extracts the answer text from the shapes miners use: `{response}`, `{message:{content}}`,
 * OpenAI `choices[0].message.content`, a JSON string, or a `text/plain` body.
 */
export function parseMinerAnswer(
  text: string,
  contentType: string,
): { ok: true; response: string } | { ok: false; reason: 'invalid_json' | 'empty' } {
  const plain = contentType.startsWith('text/');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    if (!plain) return { ok: false, reason: text.trim() === '' ? 'empty' : 'invalid_json' };
    return text.trim() === '' ? { ok: false, reason: 'empty' } : { ok: true, response: text };
  }
  const answer = answerFromJson(value);
  if (answer === undefined) {
    // Plain text that merely happens to parse as JSON (`42`, `true`) is still the answer.
    if (plain) return text.trim() === '' ? { ok: false, reason: 'empty' } : { ok: true, response: text };
    return { ok: false, reason: 'invalid_json' };
  }
  return answer.trim() === '' ? { ok: false, reason: 'empty' } : { ok: true, response: answer };
}

function answerFromJson(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const v = value as { response?: unknown; message?: { content?: unknown }; choices?: unknown };
  if (isScalar(v.response)) return String(v.response);
  if (v.message && typeof v.message === 'object' && isScalar(v.message.content))
    return String(v.message.content);
  if (Array.isArray(v.choices)) {
    const content = (v.choices[0] as { message?: { content?: unknown } } | undefined)?.message?.content;
    if (isScalar(content)) return String(content);
  }
  return undefined;
}

function isScalar(value: unknown): value is string | number {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

function failureReason(error: unknown): MinerFailureReason {
  const code = (error as { code?: string; cause?: { code?: string } }).code;
  const causeCode = (error as { cause?: { code?: string } }).cause?.code;
  for (const c of [code, causeCode]) {
    if (c === 'ECONNREFUSED') return 'refused';
    if (
      c === 'ECONNRESET' ||
      c === 'EPIPE' ||
      c === 'UND_ERR_SOCKET' ||
      c === 'UND_ERR_CLOSED' ||
      c?.startsWith('HPE_')
    )
      return 'reset';
    if (c === 'UND_ERR_HEADERS_TIMEOUT' || c === 'UND_ERR_BODY_TIMEOUT' || c === 'UND_ERR_CONNECT_TIMEOUT')
      return 'timeout';
    if (c === 'UND_ERR_RES_EXCEEDED_MAX_SIZE' || c === 'UND_ERR_HEADERS_OVERFLOW') return 'too_large';
  }
  return 'unreachable';
}
