import type { NextRequest } from 'next/server';
import { apiUrl } from '../../../server/env.ts';
import { readToken } from '../../../server/session.ts';

export const dynamic = 'force-dynamic';

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

/** Same-origin tRPC for the browser: adds the session's token and streams the answer back (SSE too). */
async function forward(request: NextRequest, context: { params: Promise<{ path: string[] }> }) {
  const { path } = await context.params;
  const target = `${apiUrl()}/trpc/${path.map(encodeURIComponent).join('/')}${request.nextUrl.search}`;
  const headers = new Headers();
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = request.headers.get(name);
    if (value) headers.set(name, value);
  }
  const token = await readToken();
  if (token) headers.set('authorization', `Bearer ${token}`);

  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: request.method,
      headers,
      body: request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer(),
      signal: request.signal,
      cache: 'no-store',
      redirect: 'manual',
    });
  } catch {
    return unreachable(path, request.nextUrl.searchParams.has('batch'));
  }

  const responseHeaders = new Headers();
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const value = upstream.headers.get(name);
    if (value) responseHeaders.set(name, value);
  }
  if (responseHeaders.get('content-type')?.startsWith('text/event-stream')) {
    // no-transform keeps compression from buffering the event stream.
    responseHeaders.set('cache-control', 'no-cache, no-transform');
    responseHeaders.set('x-accel-buffering', 'no');
  }
  return new Response(upstream.body, { status: upstream.status, headers: responseHeaders });
}

/** A tRPC-shaped error, so the page shows a sentence rather than a JSON parse failure. */
function unreachable(path: string[], batch: boolean): Response {
  const error = {
    error: {
      json: {
        message: 'The TensorNode API is unreachable',
        code: -32603,
        data: { code: 'BAD_GATEWAY', httpStatus: 502 },
      },
    },
  };
  const procedures = path.join('/').split(',');
  return Response.json(batch ? procedures.map(() => error) : error, { status: 502 });
}

export { forward as GET, forward as POST };
