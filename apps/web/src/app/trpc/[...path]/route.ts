import type { NextRequest } from 'next/server';
import { apiUrl } from '../../../server/env.ts';
import { readToken } from '../../../server/session.ts';
import { proxyTrpc } from '../../../server/trpc-proxy.ts';

export const dynamic = 'force-dynamic';

/** Same-origin tRPC for the browser: adds the session's token and streams the answer back (SSE too). */
async function forward(request: NextRequest) {
  return proxyTrpc(request, { apiUrl: apiUrl(), token: await readToken() });
}

export { forward as GET, forward as POST };
