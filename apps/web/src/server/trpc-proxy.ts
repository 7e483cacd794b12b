/**
 * The dashboard's same-origin tRPC proxy, kept free of Next.js imports so it can be tested alone:
 * it forwards only tRPC procedure paths, caps the request body, refuses cross-site mutations, and
 * gives the API a deadline.
 */

export interface TrpcProxyOptions {
  /** The API's base URL, without a trailing slash. */
  apiUrl: string;
  /** The signed-in user's API token, sent as a bearer header. */
  token: string | undefined;
  /** Largest request body forwarded (the API's own JSON limit). Default 1 MiB. */
  maxBodyBytes?: number;
  /** Deadline for the API's answer (an SSE stream is exempt once open). Default 330 s: a round may run 5 min. */
  timeoutMs?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 330_000;

/** One procedure path (`vms.list`) or a batch of them (`vms.list,auth.whoami`): nothing else reaches the API. */
const PROCEDURE_PATHS = /^[A-Za-z]\w*(?:\.[A-Za-z]\w*)*(?:,[A-Za-z]\w*(?:\.[A-Za-z]\w*)*)*$/;

// Only these travel to the API; cookies stay here, the token goes as a bearer header.
const FORWARDED_REQUEST_HEADERS = ['accept', 'content-type', 'last-event-id', 'trpc-accept', 'x-request-id'];
const FORWARDED_RESPONSE_HEADERS = [
  'cache-control',
  'content-type',
  'retry-after',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'x-request-id',
];

class ProxyRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function proxyTrpc(request: Request, options: TrpcProxyOptions): Promise<Response> {
  const url = new URL(request.url);
  const procedures = url.pathname.startsWith('/trpc/') ? url.pathname.slice('/trpc/'.length) : '';
  const batch = url.searchParams.has('batch');
  if (!PROCEDURE_PATHS.test(procedures)) {
    // Raw path checked: `..`, `/` and percent-encodings of them never get past this line.
    return trpcError(['unknown'], false, new ProxyRefusal(404, 'NOT_FOUND', 'No such tRPC procedure'));
  }
  const names = procedures.split(',');
  try {
    const body =
      request.method === 'GET' || request.method === 'HEAD' ? undefined : await readBody(request, options);
    if (body !== undefined) checkOrigin(request);
    return await forward(
      request,
      options,
      `${options.apiUrl}/trpc/${procedures}${url.search}`,
      body,
      names,
      batch,
    );
  } catch (error) {
    if (error instanceof ProxyRefusal) return trpcError(names, batch, error);
    throw error;
  }
}

/** A mutation must come from the dashboard's own pages: browsers always send Origin on a POST. */
function checkOrigin(request: Request): void {
  const origin = request.headers.get('origin');
  const ownHost =
    request.headers.get('x-forwarded-host') ?? request.headers.get('host') ?? new URL(request.url).host;
  let originHost: string | undefined;
  try {
    originHost = origin ? new URL(origin).host : undefined;
  } catch {
    originHost = undefined;
  }
  if (originHost !== ownHost) {
    throw new ProxyRefusal(403, 'FORBIDDEN', 'Cross-site request refused: the Origin is not this dashboard');
  }
}

/** Reads the body, refusing it as soon as it is known to be over the cap (by its length, else while read). */
async function readBody(request: Request, options: TrpcProxyOptions): Promise<Uint8Array<ArrayBuffer>> {
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const tooLarge = () =>
    new ProxyRefusal(413, 'PAYLOAD_TOO_LARGE', `The request body is over ${limit} bytes`);
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  const body = new Uint8Array(new ArrayBuffer(size));
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

async function forward(
  request: Request,
  options: TrpcProxyOptions,
  target: string,
  body: Uint8Array<ArrayBuffer> | undefined,
  procedures: string[],
  batch: boolean,
): Promise<Response> {
  const headers = new Headers();
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = request.headers.get(name);
    if (value) headers.set(name, value);
  }
  if (options.token) headers.set('authorization', `Bearer ${options.token}`);

  const timeoutMs = options.timeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: request.method,
      headers,
      ...(body ? { body } : {}),
      signal: AbortSignal.any([request.signal, deadline.signal]),
      cache: 'no-store',
      redirect: 'manual',
    });
  } catch {
    clearTimeout(timer);
    if (deadline.signal.aborted) {
      return trpcError(
        procedures,
        batch,
        new ProxyRefusal(
          504,
          'GATEWAY_TIMEOUT',
          `The TensorNode API did not answer within ${timeoutMs / 1000} s`,
        ),
      );
    }
    return trpcError(
      procedures,
      batch,
      new ProxyRefusal(502, 'BAD_GATEWAY', 'The TensorNode API is unreachable'),
    );
  }

  const responseHeaders = new Headers();
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const value = upstream.headers.get(name);
    if (value) responseHeaders.set(name, value);
  }
  let responseBody = upstream.body;
  if (responseHeaders.get('content-type')?.startsWith('text/event-stream')) {
    // A progress stream lives as long as the page: its pings keep it alive, not a deadline.
    clearTimeout(timer);
    // no-transform keeps compression from buffering the event stream.
    responseHeaders.set('cache-control', 'no-cache, no-transform');
    responseHeaders.set('x-accel-buffering', 'no');
  } else if (responseBody) {
    responseBody = responseBody.pipeThrough(new TransformStream({ flush: () => clearTimeout(timer) }));
  } else {
    clearTimeout(timer);
  }
  return new Response(responseBody, { status: upstream.status, headers: responseHeaders });
}

/** A tRPC-shaped error, so the page shows a sentence rather than a JSON parse failure. */
function trpcError(procedures: string[], batch: boolean, refusal: ProxyRefusal): Response {
  const error = {
    error: {
      json: {
        message: refusal.message,
        code: -32603,
        data: { code: refusal.code, httpStatus: refusal.status },
      },
    },
  };
  return Response.json(batch ? procedures.map(() => error) : error, { status: refusal.status });
}
