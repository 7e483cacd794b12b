'use client';

import { useInfiniteQuery } from '@tanstack/react-query';
import { LoadMore } from '../../../components/fields.tsx';
import { formatDate } from '../../../components/format.ts';
import { ErrorNote } from '../../../components/query-state.tsx';
import { RequireRole } from '../../../components/role.tsx';
import { useTRPC } from '../../../trpc/react.tsx';

/** Privileged actions, newest first: who, what, on what, when, and how it ended. */
export function Audit() {
  return (
    <>
      <h1>Audit</h1>
      <RequireRole atLeast="admin">
        <AuditLog />
      </RequireRole>
    </>
  );
}

function AuditLog() {
  const trpc = useTRPC();
  const audit = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(
      { limit: 50 },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
  );
  const entries = audit.data?.pages.flatMap((page) => page.entries) ?? [];
  return (
    <section className="card" aria-label="Privileged actions">
      {audit.isPending ? <p className="loading">Loading…</p> : null}
      <ErrorNote error={audit.error} />
      {audit.isSuccess && entries.length === 0 ? (
        <p className="empty">No privileged actions recorded yet.</p>
      ) : null}
      {entries.length > 0 ? (
        <div className="table-wrap">
          <table data-testid="audit">
            <thead>
              <tr>
                <th>When</th>
                <th>Token</th>
                <th>Action</th>
                <th>Target</th>
                <th>Outcome</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id}>
                  <td>{formatDate(entry.at)}</td>
                  <td title={entry.tokenId}>{entry.tokenName}</td>
                  <td>
                    <code>{entry.action}</code>
                  </td>
                  <td>{entry.target ?? ''}</td>
                  <td>
                    <span className={`status status-${entry.outcome === 'ok' ? 'confirmed' : 'failed'}`}>
                      {entry.outcome}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <LoadMore query={audit} label="Older actions" />
    </section>
  );
}
