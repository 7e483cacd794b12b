'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { errorCode, type RouterInputs } from '@tensornode/client';
import { type FormEvent, useState } from 'react';
import { TextField } from '../../../components/fields.tsx';
import { formatDate } from '../../../components/format.ts';
import { ErrorNote, QueryState } from '../../../components/query-state.tsx';
import { RequireRole, useRole } from '../../../components/role.tsx';
import { useTRPC } from '../../../trpc/react.tsx';

type TokenRole = RouterInputs['auth']['tokens']['create']['role'];

export function Settings() {
  return (
    <>
      <h1>Settings</h1>
      <RequireRole atLeast="admin">
        <ApiTokens />
      </RequireRole>
      <SshKey />
    </>
  );
}

function ApiTokens() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const tokens = useQuery(trpc.auth.tokens.list.queryOptions());
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.auth.tokens.list.queryKey() });
  const create = useMutation(trpc.auth.tokens.create.mutationOptions({ onSuccess: invalidate }));
  const revoke = useMutation(trpc.auth.tokens.revoke.mutationOptions({ onSuccess: invalidate }));
  const [name, setName] = useState('');
  const [role, setRole] = useState<TokenRole>('viewer');
  const [expiresInDays, setExpiresInDays] = useState('');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name, role, ...(expiresInDays ? { expiresInDays: Number(expiresInDays) } : {}) });
  };

  return (
    <section className="card" aria-labelledby="api-tokens">
      <h2 id="api-tokens">API tokens</h2>
      <form onSubmit={submit} className="form inline">
        <TextField label="Name" value={name} onChange={setName} placeholder="ci bot" />
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.target.value as TokenRole)}>
            <option value="viewer">viewer</option>
            <option value="operator">operator</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <label>
          Expires
          <select value={expiresInDays} onChange={(e) => setExpiresInDays(e.target.value)}>
            <option value="">never</option>
            <option value="7">in 7 days</option>
            <option value="30">in 30 days</option>
            <option value="90">in 90 days</option>
          </select>
        </label>
        <button type="submit" disabled={create.isPending}>
          Create token
        </button>
      </form>
      <ErrorNote error={create.error} />
      {create.data ? (
        <p className="notice" data-testid="new-token">
          New {create.data.record.role} token “{create.data.record.name}” (shown once):{' '}
          <code>{create.data.token}</code>
        </p>
      ) : null}
      <ErrorNote error={revoke.error} />
      <QueryState query={tokens} isEmpty={(list) => list.length === 0} empty="No tokens.">
        {(list) => (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Role</th>
                  <th>Prefix</th>
                  <th>Created</th>
                  <th>Last used</th>
                  <th>Expires</th>
                  <th>Status</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {list.map((token) => (
                  <tr key={token.id}>
                    <td>{token.name}</td>
                    <td>{token.role}</td>
                    <td>
                      <code>{token.prefix}…</code>
                    </td>
                    <td className="nowrap">{formatDate(token.createdAt)}</td>
                    <td className="nowrap">{formatDate(token.lastUsedAt)}</td>
                    <td className="nowrap">{token.expiresAt ? formatDate(token.expiresAt) : 'never'}</td>
                    <td>
                      {token.revokedAt
                        ? `revoked ${formatDate(token.revokedAt)}`
                        : token.expiresAt && new Date(token.expiresAt) <= new Date()
                          ? 'expired'
                          : 'active'}
                    </td>
                    <td>
                      {token.revokedAt ? null : (
                        <button
                          type="button"
                          className="danger small"
                          disabled={revoke.isPending}
                          onClick={() => {
                            if (window.confirm(`Revoke the token “${token.name}”?`))
                              revoke.mutate({ id: token.id });
                          }}
                        >
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
    </section>
  );
}

function SshKey() {
  const trpc = useTRPC();
  const role = useRole();
  const queryClient = useQueryClient();
  const key = useQuery(trpc.keys.public.queryOptions(undefined, { retry: false }));
  const generate = useMutation(
    trpc.keys.generate.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.keys.public.queryKey() }),
    }),
  );
  return (
    <section className="card">
      <h2>SSH public key</h2>
      <p className="muted">Deploys put this key on new VMs, so the API can reach them over SSH.</p>
      {key.isPending ? <p className="loading">Loading…</p> : null}
      {key.isError && errorCode(key.error) === 'NOT_FOUND' ? (
        <p className="empty">No SSH keypair yet{role === 'admin' ? '' : ': an admin can generate one'}.</p>
      ) : null}
      {key.isError && errorCode(key.error) !== 'NOT_FOUND' ? <ErrorNote error={key.error} /> : null}
      {key.data ? <pre data-testid="ssh-public-key">{key.data.publicKey}</pre> : null}
      <RequireRole atLeast="admin">
        <button
          type="button"
          className={key.data ? 'secondary' : undefined}
          disabled={generate.isPending}
          onClick={() => {
            if (
              !key.data ||
              window.confirm('Replace the SSH keypair? VMs deployed with the old key keep only that one.')
            ) {
              generate.mutate({ force: Boolean(key.data) });
            }
          }}
        >
          {key.data ? 'Replace keypair' : 'Generate keypair'}
        </button>
        <ErrorNote error={generate.error} />
        {generate.data ? <p className="notice">Fingerprint {generate.data.fingerprint}</p> : null}
      </RequireRole>
    </section>
  );
}
