import type { AppRouter, RouterInputs, RouterOutputs } from '@tensornode/api';
import {
  createTRPCClient,
  httpBatchLink,
  httpLink,
  httpSubscriptionLink,
  isNonJsonSerializable,
  splitLink,
  type TRPCClient,
  TRPCClientError,
} from '@trpc/client';
import { EventSource as FetchEventSource } from 'eventsource';
import superjson from 'superjson';

export type { AppRouter, RouterInputs, RouterOutputs };
export { TRPCClientError };

export interface TensorNodeClientOptions {
  /** Base URL of the API, e.g. `http://127.0.0.1:8000` (the client adds `/trpc`). */
  url: string;
  /** Bearer token; omit for the anonymous procedures. */
  token?: string | (() => string | undefined);
  /** Batch concurrent calls into one request (default true). */
  batch?: boolean;
  fetch?: typeof globalThis.fetch;
  headers?: Record<string, string>;
}

/**
 * The typed TensorNode client: superjson, batched HTTP for queries and mutations, SSE for
 * subscriptions. The token travels in the Authorization header on every transport, never in a URL.
 */
export function createTensorNodeClient(options: TensorNodeClientOptions): TRPCClient<AppRouter> {
  const trpcUrl = `${options.url.replace(/\/+$/, '')}/trpc`;
  const headers = (): Record<string, string> => {
    const token = typeof options.token === 'function' ? options.token() : options.token;
    return { ...options.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) };
  };
  const fetchImpl = options.fetch ?? globalThis.fetch;
  // A platform EventSource (browsers) cannot send headers, so it serves only anonymous streams.
  const sendsHeaders =
    options.token !== undefined || options.headers !== undefined || options.fetch !== undefined;
  const EventSource = (!sendsHeaders && globalThis.EventSource) || FetchEventSource;
  const requestLink =
    options.batch === false
      ? httpLink({ url: trpcUrl, transformer: superjson, headers, fetch: fetchImpl })
      : httpBatchLink({ url: trpcUrl, transformer: superjson, headers, fetch: fetchImpl, maxItems: 25 });

  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url: trpcUrl,
          transformer: superjson,
          EventSource,
          eventSourceOptions: () => ({
            fetch: (input, init) =>
              fetchImpl(input, { ...init, headers: { ...init?.headers, ...headers() } }),
          }),
        }),
        false: splitLink({
          condition: (op) => isNonJsonSerializable(op.input),
          true: httpLink({ url: trpcUrl, transformer: superjson, headers, fetch: fetchImpl }),
          false: requestLink,
        }),
      }),
    ],
  });
}

export type TensorNodeClient = TRPCClient<AppRouter>;

/** The tRPC error code of a failed call (`BAD_REQUEST`, `FORBIDDEN`…), when it has one. */
export function errorCode(error: unknown): string | undefined {
  return error instanceof TRPCClientError ? (error.data as { code?: string } | undefined)?.code : undefined;
}

export {
  type LedgerCheckOptions,
  type ScoreProof,
  type ScoreProofCheck,
  verifyScoreProof,
  verifyScoreProofOnLedger,
} from './score-proof.ts';
