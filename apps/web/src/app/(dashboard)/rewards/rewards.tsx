'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { RouterOutputs } from '@tensornode/client';
import { useState } from 'react';
import { formatScore } from '../../../components/format.ts';
import { ErrorNote, QueryState } from '../../../components/query-state.tsx';
import { RequireRole, useRole } from '../../../components/role.tsx';
import { roleAtLeast } from '../../../session-names.ts';
import { useTRPC } from '../../../trpc/react.tsx';

type RewardReport = RouterOutputs['rewards']['preview'];

function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

export function Rewards() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const role = useRole();
  const [epoch, setEpoch] = useState(todayUtc);
  const canPreview = roleAtLeast(role, 'operator');
  const preview = useQuery(trpc.rewards.preview.queryOptions({ epoch }, { enabled: canPreview }));
  const distribute = useMutation(
    trpc.rewards.distribute.mutationOptions({
      onSuccess: (report) =>
        queryClient.setQueryData(trpc.rewards.preview.queryKey({ epoch: report.epoch }), report),
    }),
  );

  return (
    <>
      <h1>Rewards</h1>
      <section className="card">
        <h2>Epoch</h2>
        <div className="form inline">
          <label>
            UTC day
            <input type="date" value={epoch} onChange={(e) => setEpoch(e.target.value)} />
          </label>
          <RequireRole atLeast="admin">
            <button
              type="button"
              disabled={distribute.isPending}
              onClick={() => {
                if (window.confirm(`Mint and pay the rewards of ${epoch}?`)) distribute.mutate({ epoch });
              }}
            >
              {distribute.isPending ? 'Paying…' : 'Run epoch'}
            </button>
          </RequireRole>
        </div>
        <ErrorNote error={distribute.error} />
      </section>
      {canPreview ? (
        <QueryState query={preview}>{(report) => <Report report={report} />}</QueryState>
      ) : (
        <p className="empty">Reward previews need the operator role.</p>
      )}
    </>
  );
}

function Report({ report }: { report: RewardReport }) {
  return (
    <section className="card">
      <h2>
        {report.epoch}{' '}
        <span className={`status status-${report.status}`}>{report.status.replace('_', ' ')}</span>
      </h2>
      <p className="muted">
        Token {report.tokenId ?? '(not created yet)'} · emission {report.emission} · distributed{' '}
        {report.distributed} · remainder {report.remainder}
      </p>
      {report.payouts.length === 0 ? (
        <p className="empty">No miner has a score yet, so this epoch pays nobody.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Miner</th>
                <th>EMA</th>
                <th>Amount</th>
                <th>Status</th>
                <th>Reason / transaction</th>
              </tr>
            </thead>
            <tbody>
              {report.payouts.map((payout) => (
                <tr key={payout.minerAddress}>
                  <td>{payout.minerAddress}</td>
                  <td>{formatScore(payout.emaScore)}</td>
                  <td>{payout.amount}</td>
                  <td>
                    <span className={`status status-${payout.status}`}>{payout.status}</span>
                  </td>
                  <td>
                    {payout.reason ?? (payout.transactionId ? <code>{payout.transactionId}</code> : '—')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
