'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { formatDate, formatScore } from '../../components/format.ts';
import { QueryState } from '../../components/query-state.tsx';
import { useTRPC } from '../../trpc/react.tsx';

export function Overview() {
  const trpc = useTRPC();
  const health = useQuery(trpc.health.check.queryOptions(undefined, { refetchInterval: 10_000 }));
  const vms = useQuery(trpc.vms.list.queryOptions());
  const rounds = useQuery(trpc.validation.rounds.queryOptions({ limit: 5 }));
  const miners = useQuery(trpc.miners.leaderboard.queryOptions({ limit: 5, includeUnassigned: true }));

  return (
    <>
      <h1>Overview</h1>
      <section className="card">
        <h2>Services</h2>
        <QueryState query={health}>
          {(report) => (
            <>
              <p>
                <span className={`status status-${report.status}`} data-testid="health-status">
                  {report.status}
                </span>{' '}
                <span className="muted">
                  version {report.version}, up {Math.round(report.uptimeSeconds)} s
                </span>
              </p>
              <ul className="tiles">
                {Object.entries(report.services).map(([name, service]) => (
                  <li key={name} className="tile" data-testid={`service-${name}`}>
                    <strong>{name}</strong>
                    <span className={`status status-${service.status}`}>{service.status}</span>
                    {service.kind ? <span className="muted">{service.kind}</span> : null}
                    {service.latencyMs !== undefined ? (
                      <span className="muted">{service.latencyMs.toFixed(0)} ms</span>
                    ) : null}
                    {service.error ? <span className="error">{service.error}</span> : null}
                  </li>
                ))}
              </ul>
            </>
          )}
        </QueryState>
      </section>
      <div className="grid-2">
        <section className="card">
          <h2>
            <Link href="/vms">VMs</Link> by status
          </h2>
          <QueryState query={vms} isEmpty={(list) => list.length === 0} empty="No VMs yet.">
            {(list) => {
              const counts = new Map<string, number>();
              for (const vm of list) counts.set(vm.status, (counts.get(vm.status) ?? 0) + 1);
              return (
                <ul className="tiles" data-testid="vm-counts">
                  {[...counts].map(([status, count]) => (
                    <li key={status} className="tile">
                      <span className={`status status-${status}`}>{status}</span>
                      <span className="big">{count}</span>
                    </li>
                  ))}
                </ul>
              );
            }}
          </QueryState>
        </section>
        <section className="card">
          <h2>
            Top <Link href="/leaderboard">miners</Link>
          </h2>
          <QueryState query={miners} isEmpty={(list) => list.length === 0} empty="No miner scored yet.">
            {(list) => (
              <table>
                <tbody>
                  {list.map((miner) => (
                    <tr key={miner.minerAddress}>
                      <td>{miner.minerAddress}</td>
                      <td>
                        <strong>{formatScore(miner.emaScore)}</strong>
                      </td>
                      <td className="muted">{miner.rounds} rounds</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </QueryState>
        </section>
      </div>
      <section className="card">
        <h2>
          Last <Link href="/rounds">rounds</Link>
        </h2>
        <QueryState query={rounds} isEmpty={(page) => page.items.length === 0} empty="No rounds yet.">
          {(page) => (
            <div className="table-wrap">
              <table>
                <tbody>
                  {page.items.map((round) => (
                    <tr key={round.id}>
                      <td>
                        <Link href={`/rounds/${round.id}`}>{formatDate(round.startedAt)}</Link>
                      </td>
                      <td>
                        {round.answeredCount}/{round.minerCount} answered
                      </td>
                      <td>mean {formatScore(round.meanScore)}</td>
                      <td>
                        <span className={`status status-${round.ledgerStatus}`}>{round.ledgerStatus}</span>
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
