'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { RouterInputs, RouterOutputs } from '@tensornode/client';
import { useSubscription } from '@trpc/tanstack-react-query';
import Link from 'next/link';
import { type FormEvent, useState } from 'react';
import { TextField } from '../../../components/fields.tsx';
import { shortId } from '../../../components/format.ts';
import { ErrorNote } from '../../../components/query-state.tsx';
import { RequireRole } from '../../../components/role.tsx';
import { useTRPC } from '../../../trpc/react.tsx';

type ProgressStream = RouterOutputs['validation']['onProgress'];
type ProgressEvent = ProgressStream extends AsyncIterable<{ data: infer E }> ? E : never;
type Method = NonNullable<RouterInputs['validation']['run']['method']>;

interface MinerRow {
  vmId: string;
  minerAddress: string | null;
  state: 'waiting' | 'answered' | 'failed' | 'scored';
  latencyMs?: number;
  score?: number;
  reason?: string | null;
}

interface LiveRound {
  roundId: string;
  /** Known once the round has started. */
  minerCount: number | null;
  miners: Map<string, MinerRow>;
  completed: boolean;
}

/**
 * A random (v4) UUID. `crypto.randomUUID` exists only in secure contexts, and the dashboard may be
 * served over plain HTTP inside an operator's network; `getRandomValues` exists everywhere.
 */
function newRoundId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A live view of a round about to start: the page chose its id, so it knows which events are its own. */
function newLiveRound(roundId: string): LiveRound {
  return { roundId, minerCount: null, miners: new Map(), completed: false };
}

/** Folds one progress event into the live view of its round; other rounds' events change nothing. */
function applyEvent(round: LiveRound | null, event: ProgressEvent): LiveRound | null {
  if (!round || round.roundId !== event.roundId) return round;
  if (event.type === 'started') return { ...round, minerCount: event.minerCount };
  const miners = new Map(round.miners);
  if (event.type === 'answered' || event.type === 'failed' || event.type === 'scored') {
    const before = miners.get(event.vmId) ?? {
      vmId: event.vmId,
      minerAddress: event.minerAddress,
      state: 'waiting',
    };
    if (event.type === 'answered')
      miners.set(event.vmId, { ...before, state: 'answered', latencyMs: event.latencyMs });
    if (event.type === 'failed') {
      miners.set(event.vmId, {
        ...before,
        state: 'failed',
        latencyMs: event.latencyMs,
        reason: event.reason,
      });
    }
    if (event.type === 'scored') {
      miners.set(event.vmId, {
        ...before,
        state: 'scored',
        score: event.score,
        reason: before.reason ?? event.reason,
      });
    }
  }
  return { ...round, miners, completed: round.completed || event.type === 'completed' };
}

export function Validation() {
  return (
    <>
      <h1>Validation</h1>
      <RequireRole atLeast="operator">
        <RunRound />
      </RequireRole>
      <p className="muted">
        Past rounds and their ledger records are on the <Link href="/rounds">Rounds</Link> page.
      </p>
    </>
  );
}

function RunRound() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [prompt, setPrompt] = useState('What is 17 * 3?');
  const [truth, setTruth] = useState('51');
  const [method, setMethod] = useState<Method>('auto');
  const [live, setLive] = useState<LiveRound | null>(null);

  const progress = useSubscription(
    trpc.validation.onProgress.subscriptionOptions(
      {},
      {
        // Events may arrive after the round's answer (SSE and the mutation are separate streams):
        // they still belong to it, by id.
        onData: ({ data }) => setLive((round) => applyEvent(round, data)),
      },
    ),
  );
  const run = useMutation(
    trpc.validation.run.mutationOptions({
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.validation.rounds.queryKey() }),
    }),
  );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    // The page names the round, so it can tell its events from other rounds' before the answer.
    const roundId = newRoundId();
    setLive(newLiveRound(roundId));
    run.mutate({ roundId, prompt, truth, method });
  };
  const connected = progress.status === 'pending';
  const result = run.data;

  return (
    <>
      <section className="card">
        <h2>Run a round</h2>
        <form onSubmit={submit} className="form" aria-label="Run a round">
          <label>
            Prompt
            <textarea value={prompt} onChange={(e) => setPrompt(e.target.value)} />
          </label>
          <TextField label="Ground truth" value={truth} onChange={setTruth} />
          <label>
            Scoring
            <select value={method} onChange={(e) => setMethod(e.target.value as Method)}>
              <option value="auto">auto (LLM judge when configured)</option>
              <option value="heuristic">heuristic</option>
              <option value="llm">llm</option>
            </select>
          </label>
          <div className="actions">
            <button type="submit" disabled={run.isPending || !connected}>
              {run.isPending ? 'Running…' : 'Run round'}
            </button>
            <span className={`status status-${connected ? 'up' : 'pending'}`} data-testid="live-status">
              {connected ? 'live' : progress.status === 'error' ? 'disconnected' : 'connecting'}
            </span>
          </div>
        </form>
        <ErrorNote error={run.error ?? progress.error} />
      </section>

      {live ? (
        <section className="card" aria-label="Live progress">
          <h2>
            Round <code>{shortId(live.roundId)}</code>{' '}
            <span className="muted">
              {live.minerCount === null
                ? 'starting…'
                : `${live.miners.size} of ${live.minerCount} miners heard from`}
            </span>
          </h2>
          {live.minerCount === 0 ? (
            <p className="empty">No miner to ask: allocate VMs to miners first.</p>
          ) : null}
          <div className="table-wrap">
            <table data-testid="live-answers">
              <thead>
                <tr>
                  <th>Miner</th>
                  <th>VM</th>
                  <th>State</th>
                  <th>Latency</th>
                  <th>Score</th>
                </tr>
              </thead>
              <tbody>
                {[...live.miners.values()].map((row) => (
                  <tr key={row.vmId}>
                    <td>{row.minerAddress ?? '—'}</td>
                    <td>
                      <code title={row.vmId}>{shortId(row.vmId)}</code>
                    </td>
                    <td>
                      <span className={`status status-${row.state}`}>{row.state}</span>
                      {row.reason ? <span className="muted"> {row.reason}</span> : null}
                    </td>
                    <td>{row.latencyMs !== undefined ? `${row.latencyMs} ms` : '—'}</td>
                    <td>{row.score ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}

      {result ? (
        <section className="card" aria-label="Scores">
          <h2>Scores</h2>
          <p>
            {result.answeredCount} of {result.minerCount} answered · mean score{' '}
            <strong data-testid="mean-score">{result.meanScore.toFixed(1)}</strong> · ledger{' '}
            <span className={`status status-${result.ledgerStatus}`}>{result.ledgerStatus}</span> ·{' '}
            <Link href={`/rounds/${result.id}`}>open the round</Link>
          </p>
          <div className="table-wrap">
            <table data-testid="round-scores">
              <thead>
                <tr>
                  <th>Miner</th>
                  <th>Score</th>
                  <th>Method</th>
                  <th>Answer</th>
                </tr>
              </thead>
              <tbody>
                {result.answers.map((answer) => (
                  <tr key={answer.vmId}>
                    <td>{answer.minerAddress ?? answer.vmId}</td>
                    <td>{answer.score}</td>
                    <td>{answer.method}</td>
                    <td>{answer.ok ? answer.response : <span className="error">{answer.reason}</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
    </>
  );
}
