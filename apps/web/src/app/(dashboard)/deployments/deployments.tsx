'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { RouterOutputs } from '@tensornode/client';
import { type FormEvent, useState } from 'react';
import { TextField } from '../../../components/fields.tsx';
import { formatDate, shortId } from '../../../components/format.ts';
import { ErrorNote, QueryState } from '../../../components/query-state.tsx';
import { RequireRole, useRole } from '../../../components/role.tsx';
import { roleAtLeast } from '../../../session-names.ts';
import { useTRPC } from '../../../trpc/react.tsx';

type StatusFilter = RouterOutputs['deployments']['list'][number]['status'];
const STATUSES: StatusFilter[] = ['inactive', 'active', 'terminated'];

export function Deployments() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const role = useRole();
  const [status, setStatus] = useState<StatusFilter | ''>('');
  const deployments = useQuery(trpc.deployments.list.queryOptions(status ? { status } : undefined));
  const release = useMutation(
    trpc.deployments.release.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.deployments.list.queryKey() }),
    }),
  );

  return (
    <>
      <h1>Deployments</h1>
      <RequireRole atLeast="operator">
        <AllocateForm />
      </RequireRole>
      <section className="card">
        <h2>Records</h2>
        <label className="form inline">
          Status{' '}
          <select value={status} onChange={(e) => setStatus(e.target.value as StatusFilter | '')}>
            <option value="">all</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <ErrorNote error={release.error} />
        <QueryState query={deployments} isEmpty={(list) => list.length === 0} empty="No deployments.">
          {(list) => (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>VM</th>
                    <th>Status</th>
                    <th>Miner</th>
                    <th>Instance</th>
                    <th>Wallet</th>
                    <th>Created</th>
                    <th>Assigned</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {list.map((d) => (
                    <tr key={d.vmId}>
                      <td>
                        <code title={d.vmId}>{shortId(d.vmId)}</code>{' '}
                        <span className="muted">{d.provider}</span>
                      </td>
                      <td>
                        <span className={`status status-${d.status}`}>{d.status}</span>
                      </td>
                      <td>{d.minerAddress ?? '—'}</td>
                      <td>{d.instanceName ?? '—'}</td>
                      <td>{d.walletAddress ?? '—'}</td>
                      <td className="nowrap">{formatDate(d.createdAt)}</td>
                      <td className="nowrap">{formatDate(d.assignedAt)}</td>
                      <td>
                        {d.status === 'active' && roleAtLeast(role, 'operator') ? (
                          <button
                            type="button"
                            className="secondary small"
                            disabled={release.isPending}
                            onClick={() => {
                              if (
                                window.confirm(`Release ${d.instanceName ?? d.vmId} from ${d.minerAddress}?`)
                              ) {
                                release.mutate({ vmId: d.vmId });
                              }
                            }}
                          >
                            Release
                          </button>
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryState>
      </section>
    </>
  );
}

function AllocateForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const allocate = useMutation(
    trpc.deployments.allocate.mutationOptions({
      onSuccess: () =>
        Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.deployments.list.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.vms.list.queryKey() }),
        ]),
    }),
  );
  const [minerAddress, setMinerAddress] = useState('');
  const [instanceName, setInstanceName] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    allocate.mutate({ minerAddress: minerAddress.trim(), instanceName });
  };
  return (
    <section className="card">
      <h2>Allocate a VM to a miner</h2>
      <p className="muted">Reuses an inactive VM when there is one, otherwise deploys a new one.</p>
      <form onSubmit={submit} className="form inline" aria-label="Allocate">
        <TextField
          label="Miner address"
          value={minerAddress}
          onChange={setMinerAddress}
          placeholder="0.0.1234"
        />
        <TextField
          label="Instance name"
          value={instanceName}
          onChange={setInstanceName}
          placeholder="miner-1"
        />
        <button type="submit" disabled={allocate.isPending}>
          {allocate.isPending ? 'Allocating…' : 'Allocate'}
        </button>
      </form>
      <ErrorNote error={allocate.error} />
      {allocate.data ? (
        <p className="notice" role="status">
          {allocate.data.reused ? 'Reused' : 'Deployed'} VM <code>{allocate.data.deployment.vmId}</code> for{' '}
          {allocate.data.deployment.minerAddress}.
        </p>
      ) : null}
    </section>
  );
}
