'use client';

import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { RouterOutputs } from '@tensornode/client';
import { useState } from 'react';
import { LoadMore } from '../../../components/fields.tsx';
import { formatDate } from '../../../components/format.ts';
import { ErrorNote, QueryState } from '../../../components/query-state.tsx';
import { RequireRole, useRole } from '../../../components/role.tsx';
import { roleAtLeast } from '../../../session-names.ts';
import { useTRPC } from '../../../trpc/react.tsx';

type ImportReport = RouterOutputs['bank']['import'];

export function Bank() {
  const trpc = useTRPC();
  const role = useRole();
  const stats = useQuery(trpc.bank.stats.queryOptions());
  return (
    <>
      <h1>Question bank</h1>
      <section className="card">
        <h2>Questions</h2>
        <QueryState query={stats}>
          {(s) => (
            <>
              <p data-testid="bank-counts">
                <span className="big">{s.active}</span> active of {s.total}, {s.asked} asked at least once
              </p>
              <ul className="tiles" data-testid="bank-tags">
                {s.byTag.map((t) => (
                  <li key={t.tag} className="tile">
                    <strong>{t.tag}</strong>
                    <span>{t.active}</span>
                  </li>
                ))}
              </ul>
            </>
          )}
        </QueryState>
      </section>
      <RequireRole atLeast="admin">
        <ImportForm />
      </RequireRole>
      {roleAtLeast(role, 'operator') ? (
        <QuestionList />
      ) : (
        <p className="empty">
          The questions themselves are listed for operators; their answers for admins only.
        </p>
      )}
    </>
  );
}

function ImportForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [report, setReport] = useState<ImportReport | null>(null);
  const upload = useMutation(
    trpc.bank.import.mutationOptions({
      onSuccess: (r) => {
        setReport(r);
        void queryClient.invalidateQueries({ queryKey: trpc.bank.stats.queryKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.bank.list.infiniteQueryKey() });
      },
    }),
  );
  return (
    <section className="card">
      <h2>Import</h2>
      <p className="muted">
        JSONL or CSV with <code>prompt, truth, tags</code>, or GSM8K lines <code>{'{question, answer}'}</code>
        .
      </p>
      <label>
        File
        <input
          type="file"
          accept=".jsonl,.json,.csv,text/csv,application/jsonl"
          onChange={async (e) => {
            const file = e.target.files?.[0];
            if (file) upload.mutate({ content: await file.text(), fileName: file.name });
          }}
        />
      </label>
      <ErrorNote error={upload.error} />
      {report ? (
        <div data-testid="import-report">
          <p>
            Imported {report.imported} ({report.format}); {report.duplicates} already in the bank;{' '}
            {report.errors.length} bad line(s).
          </p>
          {report.errors.length > 0 ? (
            <ul className="error">
              {report.errors.map((e) => (
                <li key={e.line}>
                  line {e.line}: {e.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

function QuestionList() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useInfiniteQuery(
    trpc.bank.list.infiniteQueryOptions(
      { limit: 25 },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
  );
  const retire = useMutation(
    trpc.bank.retire.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.bank.list.infiniteQueryKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.bank.stats.queryKey() });
      },
    }),
  );
  const role = useRole();
  return (
    <section className="card">
      <h2>Newest questions</h2>
      <ErrorNote error={retire.error} />
      <QueryState query={list}>
        {(data) => (
          <div className="table-wrap">
            <table data-testid="bank-questions">
              <thead>
                <tr>
                  <th>Prompt</th>
                  {role === 'admin' ? <th>Truth</th> : null}
                  <th>Tags</th>
                  <th>Asked</th>
                  <th>Last asked</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {data.pages
                  .flatMap((p) => p.items)
                  .map((q) => (
                    <tr key={q.id}>
                      <td>{q.prompt}</td>
                      {role === 'admin' ? <td>{q.truth}</td> : null}
                      <td>{q.tags.join(', ')}</td>
                      <td>{q.timesAsked}</td>
                      <td>{formatDate(q.lastAskedAt)}</td>
                      <td>
                        {q.retiredAt ? (
                          <span className="status status-disabled">retired</span>
                        ) : (
                          <RequireRole atLeast="admin">
                            <button
                              type="button"
                              className="secondary"
                              disabled={retire.isPending}
                              onClick={() => retire.mutate({ id: q.id })}
                            >
                              Retire
                            </button>
                          </RequireRole>
                        )}
                      </td>
                    </tr>
                  ))}
              </tbody>
            </table>
            <LoadMore query={list} label="Older questions" />
          </div>
        )}
      </QueryState>
    </section>
  );
}
