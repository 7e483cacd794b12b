'use client';

import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';

/** The server's own message for a failed call (tRPC errors carry it, field errors included). */
export function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong';
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p role="alert" className="error">
      {errorMessage(error)}
    </p>
  );
}

interface QueryStateProps<T> {
  query: UseQueryResult<T, unknown>;
  /** When true the data counts as empty and `empty` is shown instead. */
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}

/** Loading, error and empty states in one place, so every page has all three. */
export function QueryState<T>({ query, isEmpty, empty, children }: QueryStateProps<T>) {
  if (query.isPending) {
    return (
      <p className="loading" aria-busy="true">
        Loading…
      </p>
    );
  }
  if (query.isError) return <ErrorNote error={query.error} />;
  if (isEmpty?.(query.data)) return <p className="empty">{empty ?? 'Nothing here yet.'}</p>;
  return children(query.data);
}
