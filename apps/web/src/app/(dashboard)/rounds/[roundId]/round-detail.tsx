'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { formatDate, formatScore } from '../../../../components/format.ts';
import { ErrorNote, QueryState } from '../../../../components/query-state.tsx';
import { useTRPC } from '../../../../trpc/react.tsx';

export function RoundDetail({ roundId }: { roundId: string }) {
  const trpc = useTRPC();
  const round = useQuery(trpc.validation.round.queryOptions({ roundId }));
  return (
    <>
      <p>
        <Link href="/rounds">← Rounds</Link>
      </p>
      <h1>Round</h1>
      <QueryState query={round}>
        {(r) => (
          <>
            <section className="card">
              <dl className="facts">
                <dt>Id</dt>
                <dd>
                  <code>{r.id}</code>
                </dd>
                <dt>Prompt</dt>
                <dd>{r.prompt}</dd>
                <dt>Truth</dt>
                <dd>{r.truth ?? <span className="muted">hidden (a bank question; admins see it)</span>}</dd>
                <dt>Started</dt>
                <dd>{formatDate(r.startedAt)}</dd>
                <dt>Answered</dt>
                <dd>
                  {r.answeredCount} / {r.minerCount} · mean {formatScore(r.meanScore)} · {r.method}
                </dd>
              </dl>
            </section>
            <section className="card">
              <h2>Ledger</h2>
              <dl className="facts">
                <dt>Status</dt>
                <dd>
                  <span className={`status status-${r.ledgerStatus}`} data-testid="ledger-status">
                    {r.ledgerStatus}
                  </span>
                </dd>
                <dt>Topic</dt>
                <dd>{r.ledgerTopicId ?? '—'}</dd>
                <dt>Sequence</dt>
                <dd>{r.ledgerSequence ?? '—'}</dd>
                <dt>Transaction</dt>
                <dd>{r.ledgerTransactionId ? <code>{r.ledgerTransactionId}</code> : '—'}</dd>
                <dt>Consensus</dt>
                <dd>{r.ledgerConsensusAt ?? '—'}</dd>
                <dt>Payload hash</dt>
                <dd>
                  <code>{r.payloadHash}</code>
                </dd>
              </dl>
              <Verify roundId={r.id} />
            </section>
            <section className="card">
              <h2>Answers</h2>
              {r.answers.length === 0 ? (
                <p className="empty">No miner was asked in this round.</p>
              ) : (
                <div className="table-wrap">
                  <table>
                    <thead>
                      <tr>
                        <th>Miner</th>
                        <th>Score</th>
                        <th>Latency</th>
                        <th>Method</th>
                        <th>Answer</th>
                      </tr>
                    </thead>
                    <tbody>
                      {r.answers.map((a) => (
                        <tr key={a.vmId}>
                          <td>
                            {a.minerAddress ?? '—'}
                            <br />
                            <code className="muted">{a.endpoint}</code>
                          </td>
                          <td>{a.score}</td>
                          <td>{a.latencyMs} ms</td>
                          <td>{a.method}</td>
                          <td>
                            {a.ok ? a.response : <span className="error">{a.reason ?? 'failed'}</span>}
                            {a.ok && a.reason ? <div className="muted">{a.reason}</div> : null}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </section>
          </>
        )}
      </QueryState>
    </>
  );
}

function Verify({ roundId }: { roundId: string }) {
  const trpc = useTRPC();
  const [asked, setAsked] = useState(false);
  const verify = useQuery(
    trpc.ledger.verify.queryOptions({ roundId }, { enabled: asked, staleTime: 0, retry: false }),
  );
  return (
    <div>
      <button
        type="button"
        disabled={verify.isFetching}
        onClick={() => (asked ? verify.refetch() : setAsked(true))}
      >
        {verify.isFetching ? 'Verifying…' : 'Verify on the ledger'}
      </button>
      <ErrorNote error={verify.error} />
      {verify.data && !verify.isFetching ? (
        <div className={verify.data.match ? 'notice' : 'error'} data-testid="verify-result">
          <p>
            {verify.data.match
              ? 'Verified: the message on the ledger matches this round.'
              : 'Mismatch: the ledger does not confirm this round.'}
          </p>
          {verify.data.onLedger.consensusTimestamp ? (
            <p className="muted">
              Consensus {verify.data.onLedger.consensusTimestamp}; running hash{' '}
              {verify.data.onLedger.runningHashValid ? 'valid' : 'not checked or invalid'}.
            </p>
          ) : null}
          {verify.data.reasons.length > 0 ? (
            <ul>
              {verify.data.reasons.map((reason) => (
                <li key={reason}>{reason}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
