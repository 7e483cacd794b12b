'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { RouterOutputs } from '@tensornode/client';
import { type FormEvent, useState } from 'react';
import { TextField } from '../../../components/fields.tsx';
import { SybilGroupBadge } from '../../../components/flags.tsx';
import { formatDate, shortId } from '../../../components/format.ts';
import { ErrorNote, QueryState } from '../../../components/query-state.tsx';
import { RequireRole, useRole } from '../../../components/role.tsx';
import { roleAtLeast } from '../../../session-names.ts';
import { useTRPC } from '../../../trpc/react.tsx';

type Vm = RouterOutputs['vms']['list'][number];

export function Vms() {
  const trpc = useTRPC();
  // Poll quickly while a VM is coming up, so it turns Active on screen without a reload.
  const vms = useQuery(
    trpc.vms.list.queryOptions(undefined, {
      refetchInterval: (query) =>
        query.state.data?.some((vm) => vm.status === 'New' || vm.status === 'Launching') ? 2_000 : 15_000,
    }),
  );
  return (
    <>
      <h1>VMs</h1>
      <RequireRole atLeast="operator">
        <DeployForm />
      </RequireRole>
      <section className="card">
        <h2>Machines</h2>
        <QueryState
          query={vms}
          isEmpty={(list) => list.length === 0}
          empty="No VMs yet. Deploy one above (operators), or allocate one on the Deployments page."
        >
          {(list) => <VmTable vms={list} />}
        </QueryState>
      </section>
    </>
  );
}

function optional(value: string): string | undefined {
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function DeployForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const deploy = useMutation(
    trpc.vms.deploy.mutationOptions({
      onSuccess: () =>
        Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.vms.list.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.deployments.list.queryKey() }),
        ]),
    }),
  );
  const [instanceName, setInstanceName] = useState('');
  const [walletAddress, setWalletAddress] = useState('');
  const [instances, setInstances] = useState(1);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    deploy.mutate({
      instanceName: optional(instanceName),
      walletAddress: optional(walletAddress),
      instances,
    });
  };

  return (
    <section className="card">
      <h2>Deploy</h2>
      <form onSubmit={submit} className="form inline" aria-label="Deploy VMs">
        <TextField
          label="Instance name"
          value={instanceName}
          onChange={setInstanceName}
          placeholder="miner-1"
        />
        <TextField
          label="Wallet address"
          value={walletAddress}
          onChange={setWalletAddress}
          placeholder="0.0.1234"
        />
        <label>
          Instances
          <input
            type="number"
            min={1}
            max={50}
            value={instances}
            onChange={(e) => setInstances(Number(e.target.value))}
          />
        </label>
        <button type="submit" disabled={deploy.isPending}>
          {deploy.isPending ? 'Deploying…' : 'Deploy'}
        </button>
      </form>
      <ErrorNote error={deploy.error} />
      {deploy.data ? (
        <p className="notice" role="status">
          Deployed {deploy.data.vms.map((vm) => vm.vmName).join(', ')}.
        </p>
      ) : null}
    </section>
  );
}

function VmTable({ vms }: { vms: Vm[] }) {
  const role = useRole();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const remove = useMutation(
    trpc.vms.delete.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.vms.list.queryKey() }),
    }),
  );
  const [panel, setPanel] = useState<{ vmId: string; kind: 'exec' | 'docker' } | null>(null);

  return (
    <>
      <ErrorNote error={remove.error} />
      <div className="table-wrap">
        <table data-testid="vm-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Status</th>
              <th>Address</th>
              <th>Deployment</th>
              <th>Miner</th>
              <th>Created</th>
              <th>Container</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {vms.map((vm) => (
              <tr key={vm.id}>
                <td>
                  <strong>{vm.vmName}</strong>
                  <br />
                  <code className="muted" title={vm.id}>
                    {shortId(vm.id)}
                  </code>
                </td>
                <td>
                  <span className={`status status-${vm.status}`}>{vm.status}</span>
                </td>
                <td>
                  {vm.minerEndpoint ? <code>{vm.minerEndpoint}</code> : (vm.publicIp ?? '—')}
                  <br />
                  <span className="muted">{vm.ports.map((p) => `${p.port}/${p.protocol}`).join(' ')}</span>
                </td>
                <td>
                  {vm.deployment ? (
                    <span className={`status status-${vm.deployment.status}`}>{vm.deployment.status}</span>
                  ) : (
                    '—'
                  )}
                  {vm.deployment?.instanceName ? <div>{vm.deployment.instanceName}</div> : null}
                </td>
                <td>
                  {vm.deployment?.minerAddress ?? vm.deployment?.walletAddress ?? '—'}
                  <SybilGroupBadge group={vm.sybilGroup} />
                </td>
                <td className="nowrap">{formatDate(vm.createdAt)}</td>
                <td>
                  <ContainerHealth vmId={vm.id} />
                </td>
                <td>
                  <div className="actions">
                    {roleAtLeast(role, 'operator') ? (
                      <>
                        <button
                          type="button"
                          className="secondary small"
                          onClick={() => setPanel({ vmId: vm.id, kind: 'docker' })}
                        >
                          Docker
                        </button>
                        <button
                          type="button"
                          className="danger small"
                          disabled={remove.isPending}
                          onClick={() => {
                            if (window.confirm(`Delete VM ${vm.vmName} (${vm.id})? Its miner stops.`)) {
                              remove.mutate({ vmIds: [vm.id] });
                            }
                          }}
                        >
                          Delete
                        </button>
                      </>
                    ) : null}
                    {roleAtLeast(role, 'admin') ? (
                      <button
                        type="button"
                        className="secondary small"
                        onClick={() => setPanel({ vmId: vm.id, kind: 'exec' })}
                      >
                        Exec
                      </button>
                    ) : null}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {panel?.kind === 'exec' ? <ExecPanel vmId={panel.vmId} onClose={() => setPanel(null)} /> : null}
      {panel?.kind === 'docker' ? <DockerPanel vmId={panel.vmId} onClose={() => setPanel(null)} /> : null}
    </>
  );
}

function ContainerHealth({ vmId }: { vmId: string }) {
  const trpc = useTRPC();
  const [asked, setAsked] = useState(false);
  const health = useQuery(trpc.docker.health.queryOptions({ vmId }, { enabled: asked, staleTime: 0 }));
  if (!asked) {
    return (
      <button type="button" className="secondary small" onClick={() => setAsked(true)}>
        Check
      </button>
    );
  }
  if (health.isPending || health.isFetching) return <span className="loading">checking…</span>;
  if (health.isError) return <ErrorNote error={health.error} />;
  return (
    <button
      type="button"
      className="link-button"
      title={health.data.error ?? health.data.url}
      onClick={() => health.refetch()}
    >
      <span className={`status status-${health.data.healthy ? 'up' : 'down'}`}>
        {health.data.healthy ? 'healthy' : 'unhealthy'}
      </span>
    </button>
  );
}

function ExecPanel({ vmId, onClose }: { vmId: string; onClose: () => void }) {
  const trpc = useTRPC();
  const exec = useMutation(trpc.vms.exec.mutationOptions());
  const [command, setCommand] = useState('uptime');
  return (
    <section className="card" aria-label="Run a command">
      <h3>
        Run a command on <code>{vmId}</code>
      </h3>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          exec.mutate({ vmId, command });
        }}
      >
        <label>
          Command
          <textarea value={command} onChange={(e) => setCommand(e.target.value)} />
        </label>
        <div className="actions">
          <button type="submit" disabled={exec.isPending}>
            {exec.isPending ? 'Running…' : 'Run'}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Close
          </button>
        </div>
      </form>
      <ErrorNote error={exec.error} />
      {exec.data ? (
        <>
          <p>
            exit {exec.data.exitCode ?? exec.data.signal ?? '—'} in {exec.data.durationMs} ms
            {exec.data.timedOut ? ' (timed out)' : ''}
            {exec.data.truncated ? ' (output truncated)' : ''}
          </p>
          <pre>{exec.data.stdout || '(no output)'}</pre>
          {exec.data.stderr ? <pre>{exec.data.stderr}</pre> : null}
        </>
      ) : null}
    </section>
  );
}

function DockerPanel({ vmId, onClose }: { vmId: string; onClose: () => void }) {
  const trpc = useTRPC();
  const deploy = useMutation(trpc.docker.deployFromUrl.mutationOptions());
  const stop = useMutation(trpc.docker.stop.mutationOptions());
  const [dockerfileUrl, setDockerfileUrl] = useState('');
  const [port, setPort] = useState(3000);
  return (
    <section className="card" aria-label="Docker">
      <h3>
        Miner container on <code>{vmId}</code>
      </h3>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          deploy.mutate({ vmId, dockerfileUrl, port });
        }}
      >
        <TextField
          label="Dockerfile URL"
          value={dockerfileUrl}
          onChange={setDockerfileUrl}
          placeholder="https://example.org/miner/Dockerfile"
        />
        <label>
          Port
          <input type="number" value={port} onChange={(e) => setPort(Number(e.target.value))} />
        </label>
        <div className="actions">
          <button type="submit" disabled={deploy.isPending}>
            {deploy.isPending ? 'Building…' : 'Build and run'}
          </button>
          <button
            type="button"
            className="danger"
            disabled={stop.isPending}
            onClick={() => {
              if (window.confirm('Stop and remove the miner container?')) stop.mutate({ vmId });
            }}
          >
            Stop container
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Close
          </button>
        </div>
      </form>
      <ErrorNote error={deploy.error ?? stop.error} />
      {deploy.data ? (
        <>
          <p>
            {deploy.data.container} ({deploy.data.image}) exit {deploy.data.exitCode ?? '—'} in{' '}
            {deploy.data.durationMs} ms
          </p>
          <pre>{deploy.data.output || '(no output)'}</pre>
        </>
      ) : null}
      {stop.data ? <p className="notice">Stopped {stop.data.container}.</p> : null}
    </section>
  );
}
