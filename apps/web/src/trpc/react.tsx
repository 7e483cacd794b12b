'use client';

import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { type AppRouter, createTensorNodeClient } from '@tensornode/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { type ReactNode, useState } from 'react';

export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        // A refused call (bad input, missing role) will not succeed on a retry.
        retry: (failures, error) => failures < 2 && !/^(4\d\d)$/.test(String(httpStatus(error))),
      },
    },
  });
}

function httpStatus(error: unknown): number | undefined {
  const data = (error as { data?: { httpStatus?: number } } | null)?.data;
  return data?.httpStatus;
}

/**
 * The browser talks to this app's own `/trpc` (same origin); the route handler there adds the
 * session's token, so the token never reaches page scripts.
 */
export function TRPCReactProvider({ children }: { children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(() =>
    createTensorNodeClient({
      url: typeof window === 'undefined' ? 'http://localhost' : window.location.origin,
    }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
