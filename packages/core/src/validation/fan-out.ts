import type { KeyObject } from 'node:crypto';
import type { Socket } from 'node:net';
import { buildConnector, Client, type Dispatcher, errors } from 'undici';
import { signMinerRequest } from '../audit/validator-key.ts';

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
  /** Called as each miner's answer settles, in completion order. */
  onResult?: (answer: MinerAnswer, index: number) => void;
  /** See KEEP_ALIVE_UP_TO. */
  keepAliveUpTo?: number;
  /** Stops dispatching and aborts requests in flight (they settle as `timeout`). */
  signal?: AbortSignal;
  /** undici interceptors composed onto every miner's connection (tests count bytes with one). */
  interceptors?: readonly Dispatcher.DispatcherComposeInterceptor[];
  /** The validator's ed25519 key: each request is signed for its miner (docs/audit.md). */
  signingKey?: KeyObject;
}

/**
 * Each miner gets a connection of its own (an undici `Client`): miners are distinct machines, and a
 * client per miner is what lets the deadline cut off a connect that never completes. In a batch of
 * up to this many miners, an answered connection idles until the batch ends and is closed off the
 * round's critical path (1,000 miners: ~210 vs ~270 ms for the batch, closing each at once). In a
 * larger batch each connection is closed as soon as its answer is read, so open sockets never
 * exceed the requests in flight and 10,000 miners fit any sane file-descriptor limit.
 */
export const KEEP_ALIVE_UP_TO = 2048;

/**
 * Asks every miner the same prompt with bounded concurrency. Self-contained: miners and prompt in,
 * answers out (in input order), no shared state — a batch can run in another process unchanged.
 */
export async function queryMiners(input: QueryMinersInput): Promise<MinerAnswer[]> {
  const { miners, onResult, signal } = input;
  const batch: Batch = {
    body: JSON.stringify({ prompt: input.prompt }),
    deadlineMs: input.deadlineMs,
    maxResponseBytes: input.maxResponseBytes,
    closeAfterAnswer: miners.length > (input.keepAliveUpTo ?? KEEP_ALIVE_UP_TO),
    interceptors: input.interceptors ?? [],
    signingKey: input.signingKey,
    inFlight: new Set(),
    idle: [],
    // Undici's own connector, shared by the batch's clients; no TCP keep-alive probes for
    // connections that live one request.
    connect: buildConnector({ timeout: input.deadlineMs + 1000, keepAlive: false }),
  };
  const results = new Array<MinerAnswer>(miners.length);
  // One listener on the caller's signal cuts off every request in flight.
  const abortAll = () => {
    for (const call of batch.inFlight) call.cutOff();
  };
  signal?.addEventListener('abort', abortAll, { once: true });
  let next = 0;
  // A listener that throws ends the batch with its error; nobody is left to hear the rest.
  let failed: { error: unknown } | undefined;

  const worker = async () => {
    while (next < miners.length && !signal?.aborted && !failed) {
      const index = next++;
      const answer = await new MinerCall(miners[index]!, batch).answer;
      results[index] = answer;
      try {
        onResult?.(answer, index);
      } catch (error) {
        failed ??= { error };
        abortAll();
      }
    }
  };

  try {
    const workers = Math.max(1, Math.min(input.concurrency, miners.length));
    await Promise.all(Array.from({ length: workers }, worker));
    if (failed) throw failed.error;
  } finally {
    signal?.removeEventListener('abort', abortAll);
    // Every request has settled; the idle connections can close once the caller has moved on.
    if (batch.idle.length > 0) setImmediate(hangUpAll, batch.idle);
  }
  if (signal?.aborted) throw signal.reason ?? new Error('aborted');
  return results;
}

/** What the calls of one batch share. Nothing outlives the batch. */
interface Batch {
  body: string;
  deadlineMs: number;
  maxResponseBytes: number;
  closeAfterAnswer: boolean;
  interceptors: readonly Dispatcher.DispatcherComposeInterceptor[];
  signingKey: KeyObject | undefined;
  inFlight: Set<MinerCall>;
  /** Answered connections left open until the batch ends. */
  idle: Socket[];
  connect: buildConnector.connector;
}

/**
 * How the validator hangs up on a miner whose answer it has read: one error for every socket, its
 * stack formatted once here. Node reads the stack of the error a socket is destroyed with, and
 * closing through undici would build and format a new one per miner (~0.1 ms each, more under
 * source maps) — at 10,000 miners, a second of CPU spent on stacks nobody reads.
 */
const ANSWER_READ = new errors.InformationalError('answer read; the validator hung up');
void ANSWER_READ.stack;

function hangUpAll(sockets: Socket[]): void {
  for (const socket of sockets) socket.destroy(ANSWER_READ);
}

/** Thrown into undici when we stop waiting for a miner; the answer is already settled by then. */
class CutOff extends Error {
  override name = 'CutOff';
}

/**
 * One POST to one miner, driven through undici's dispatch API rather than `request()`: the body
 * arrives as chunks into a capped buffer (no stream, no async iterator per miner), and the deadline
 * is our own timer, which settles the answer the moment it fires whatever state the connection is
 * in — connecting, waiting for headers, or trickling a body.
 */
class MinerCall implements Dispatcher.DispatchHandler {
  readonly answer: Promise<MinerAnswer>;
  private resolve!: (answer: MinerAnswer) => void;
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;
  private client: Client | undefined;
  private socket: Socket | undefined;
  private controller: Dispatcher.DispatchController | undefined;
  private settled = false;
  private httpStatus: number | null = null;
  private contentType = '';
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly miner: MinerTarget,
    private readonly batch: Batch,
  ) {
    this.answer = new Promise((resolve) => {
      this.resolve = resolve;
    });
    this.timer = setTimeout(() => this.cutOff(), batch.deadlineMs);
    batch.inFlight.add(this);
    this.dispatch();
  }

  private dispatch(): void {
    const { batch } = this;
    let url: URL;
    try {
      url = new URL(this.miner.endpoint);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
      // Undici's own timers (coarse, ≈0.5 s ticks) only back ours up.
      const backstop = batch.deadlineMs + 1000;
      this.client = new Client(url.origin, {
        pipelining: 1,
        // Keeps hold of the socket, so the answer's end can close it (see ANSWER_READ).
        connect: (options, callback) =>
          batch.connect(options, (...result) => {
            if (result[1]) this.socket = result[1];
            callback(...result);
          }),
        headersTimeout: backstop,
        bodyTimeout: backstop,
      });
    } catch {
      this.settle({ ok: false, reason: 'unreachable' });
      return;
    }
    const dispatcher =
      batch.interceptors.length > 0 ? this.client.compose(...batch.interceptors) : this.client;
    // undici 7 follows no redirect unless a redirect interceptor is composed in, and none is.
    dispatcher.dispatch(
      {
        origin: url.origin,
        path: url.pathname + url.search,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/plain;q=0.9',
          ...(batch.signingKey
            ? signMinerRequest(batch.signingKey, { vmId: this.miner.vmId, body: batch.body })
            : {}),
        },
        body: batch.body,
      },
      this,
    );
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.settled) controller.abort(new CutOff('answer no longer wanted'));
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    this.httpStatus = statusCode;
    if (statusCode < 200 || statusCode >= 300) {
      this.reject(statusCode >= 300 && statusCode < 400 ? 'redirect' : `http_${statusCode}`);
      return;
    }
    const declared = Number(headers['content-length']);
    if (Number.isFinite(declared) && declared > this.batch.maxResponseBytes) {
      this.reject('too_large');
      return;
    }
    this.contentType = headerValue(headers['content-type']);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    this.size += chunk.length;
    if (this.size > this.batch.maxResponseBytes) {
      this.reject('too_large');
      return;
    }
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.settled) return;
    const text = Buffer.concat(this.chunks, this.size).toString('utf8');
    this.chunks = [];
    this.settle(parseMinerAnswer(text, this.contentType));
    if (!this.socket) return;
    if (this.batch.closeAfterAnswer) this.socket.destroy(ANSWER_READ);
    else this.batch.idle.push(this.socket);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.settle({ ok: false, reason: failureReason(error) });
    this.client?.destroy().catch(() => {});
  }

  /** The deadline passed, or the batch was aborted: settle as `timeout` and drop the connection. */
  cutOff(): void {
    if (this.settled) return;
    this.settle({ ok: false, reason: 'timeout' });
    this.hangUp();
  }

  /** Refuses what the miner is sending: settle with `reason` and drop the connection. */
  private reject(reason: MinerFailureReason): void {
    this.settle({ ok: false, reason });
    this.hangUp();
  }

  private hangUp(): void {
    const error = new CutOff('answer no longer wanted');
    // Before the request is on a socket there is no controller; destroying the client ends a
    // connect that may never complete.
    if (this.controller) this.controller.abort(error);
    else this.client?.destroy(error).catch(() => {});
  }

  private settle(outcome: { ok: true; response: string } | { ok: false; reason: MinerFailureReason }): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.batch.inFlight.delete(this);
    this.chunks = [];
    const base = {
      ...this.miner,
      latencyMs: Math.round(performance.now() - this.started),
      httpStatus: this.httpStatus,
    };
    this.resolve(
      outcome.ok
        ? { ...base, ok: true, response: outcome.response, reason: null }
        : { ...base, ok: false, response: null, reason: outcome.reason },
    );
  }
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
