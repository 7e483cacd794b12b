'use client';

import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { LoadMore } from '../../../components/fields.tsx';
import { formatDate } from '../../../components/format.ts';
import { ErrorNote, QueryState } from '../../../components/query-state.tsx';
import { useTRPC } from '../../../trpc/react.tsx';

export function Ledger() {
  return (
    <>
      <h1>Ledger</h1>
      <Outbox />
      <TopicMessages />
    </>
  );
}

function Outbox() {
  const trpc = useTRPC();
  const outbox = useQuery(trpc.ledger.outbox.queryOptions({ limit: 100 }, { refetchInterval: 5_000 }));
  return (
    <section className="card">
      <h2>Outbox</h2>
      <p className="muted">
        Submissions to the ledger that are not confirmed yet; a retry resends the same transaction.
      </p>
      <QueryState query={outbox}>
        {({ entries, counts }) => (
          <>
            <ul className="tiles">
              {Object.entries(counts).map(([status, count]) => (
                <li key={status} className="tile">
                  <span className={`status status-${status}`}>{status}</span>
                  <span className="big">{count}</span>
                </li>
              ))}
            </ul>
            {entries.length === 0 ? (
              <p className="empty">Nothing waiting: every submission is confirmed.</p>
            ) : (
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th>#</th>
                      <th>Kind</th>
                      <th>Round</th>
                      <th>Status</th>
                      <th>Attempts</th>
                      <th>Last error</th>
                      <th>Next attempt</th>
                    </tr>
                  </thead>
                  <tbody>
                    {entries.map((entry) => (
                      <tr key={entry.id}>
                        <td>{entry.id}</td>
                        <td>{entry.kind}</td>
                        <td>{entry.roundId ? <code>{entry.roundId}</code> : '—'}</td>
                        <td>
                          <span className={`status status-${entry.status}`}>{entry.status}</span>
                        </td>
                        <td>{entry.attempts}</td>
                        <td className="error">{entry.lastError ?? ''}</td>
                        <td className="nowrap">{formatDate(entry.nextAttemptAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </>
        )}
      </QueryState>
    </section>
  );
}

function TopicMessages() {
  const trpc = useTRPC();
  const messages = useInfiniteQuery(
    trpc.ledger.messages.infiniteQueryOptions(
      { limit: 25, order: 'desc' },
      { getNextPageParam: (page) => page.next ?? undefined, initialCursor: undefined },
    ),
  );
  const first = messages.data?.pages[0];
  const all = messages.data?.pages.flatMap((page) => page.messages) ?? [];
  return (
    <section className="card">
      <h2>Score topic {first ? <code>{first.topicId}</code> : null}</h2>
      {messages.isPending ? <p className="loading">Loading…</p> : null}
      <ErrorNote error={messages.error} />
      {messages.isSuccess && all.length === 0 ? <p className="empty">No messages on the topic yet.</p> : null}
      {all.length > 0 ? (
        <div className="table-wrap">
          <table data-testid="topic-messages">
            <thead>
              <tr>
                <th>Seq</th>
                <th>Consensus time</th>
                <th>Payer</th>
                <th>Message</th>
              </tr>
            </thead>
            <tbody>
              {all.map((message) => (
                <tr key={message.sequenceNumber}>
                  <td>{message.sequenceNumber}</td>
                  <td>
                    <code>{message.consensusTimestamp}</code>
                  </td>
                  <td>{message.payerAccountId}</td>
                  <td>
                    <details>
                      <summary>
                        {message.text.slice(0, 80)}
                        {message.text.length > 80 ? '…' : ''}
                      </summary>
                      <pre>
                        {message.json === null ? message.text : JSON.stringify(message.json, null, 2)}
                      </pre>
                    </details>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <LoadMore query={messages} label="Older messages" />
    </section>
  );
}
