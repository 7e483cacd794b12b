/**
 * Validation round benchmark on loopback. Stand-in miners run in a child process; this process is
 * the validator. For each scenario it measures, in the same run and alternating:
 *   - bare: node:http POSTs over fresh connections (agent: false), same concurrency cap, no parsing
 *   - round: the full runValidationRound (fan-out, heuristic scoring, storing in a temp-file SQLite)
 *   - sequential: one miner after another like the seed, on a sample, extrapolated
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@tensornode/db';
import { request } from 'undici';
import { parseConfig } from '../src/config.ts';
import { silentLogger } from '../src/context.ts';
import { disabledLedgerHook } from '../src/ledger/outbox.ts';
import type { StandInBehaviour } from '../src/testkit/stand-in-miners.ts';
import { createFanOutPool } from '../src/validation/fan-out-pool.ts';
import { staticMinerDirectory } from '../src/validation/miner-directory.ts';
import { runValidationRound } from '../src/validation/run-round.ts';
import type { MinerHostRequest } from './miner-host.ts';

const PROMPT = 'What is 6 x 7? Answer with the number.';
const TRUTH = '42';
/** The validator's concurrency cap in every scenario (VALIDATION_CONCURRENCY). */
const CONCURRENCY = 1024;
const SEQUENTIAL_SAMPLE = 20;

interface Scenario {
  name: string;
  count: number;
  behaviour: (i: number) => StandInBehaviour;
  deadlineMs: number;
  layout: 'ports' | 'paths';
  repeats: number;
}

const scenarios: Scenario[] = [
  {
    name: '1,000 miners answering after 100 ms',
    count: 1000,
    behaviour: () => ({ kind: 'slow', ms: 100 }),
    deadlineMs: 5000,
    layout: 'ports',
    repeats: 3,
  },
  {
    name: '10,000 miners answering after 100 ms',
    count: 10_000,
    behaviour: () => ({ kind: 'slow', ms: 100 }),
    deadlineMs: 10_000,
    layout: 'ports',
    repeats: 3,
  },
  {
    name: '1,000 miners, 10% never answer, 2 s deadline',
    count: 1000,
    behaviour: (i) => (i % 10 === 9 ? { kind: 'silent' } : { kind: 'slow', ms: 100 }),
    deadlineMs: 2000,
    layout: 'ports',
    repeats: 3,
  },
];

export async function run(): Promise<void> {
  console.log(
    `node ${process.version}, ${cpus().length} CPUs, open files limit ${openFilesLimit()}, validator concurrency ${CONCURRENCY}, validation threads ${parseConfig(process.env).VALIDATION_THREADS}`,
  );
  console.log(
    `stand-in miners listen on ${listenerPorts(10_000) ? 'ports from 10000, below the ephemeral range' : 'kernel-picked ports'}`,
  );
  console.log(
    'miners run in a child process; times are medians of the repeats; RSS is the validator process\n',
  );
  // VALIDATION_BENCH_ONLY=0,2 runs a subset while iterating on the code.
  const only = process.env.VALIDATION_BENCH_ONLY?.split(',').map(Number);
  for (const [i, scenario] of scenarios.entries()) if (!only || only.includes(i)) await runScenario(scenario);
  console.log(`validator process peak RSS over the whole run: ${mb(process.resourceUsage().maxRSS * 1024)}`);
}

async function runScenario(s: Scenario): Promise<void> {
  const host = await startMinerHost({
    behaviours: Array.from({ length: s.count }, (_, i) => s.behaviour(i)),
    layout: s.layout,
    correctAnswer: 'The answer is 42.',
    firstPort: listenerPorts(s.count),
  });
  const dir = mkdtempSync(join(tmpdir(), 'tensornode-bench-'));
  const handle = openDatabase({ path: join(dir, 'bench.sqlite') });
  const config = { ...parseConfig(process.env), VALIDATION_CONCURRENCY: CONCURRENCY };
  // As the API server runs rounds: large ones spread over VALIDATION_THREADS worker threads.
  const pool = createFanOutPool({ size: config.VALIDATION_THREADS });
  const poolStarted = performance.now();
  await pool.start();
  const poolStartMs = performance.now() - poolStarted;
  try {
    const miners = host.miners.map((m, i) => ({ ...m, minerAddress: `0.0.${10_000 + i}` }));
    const ctx = {
      db: handle.db,
      config,
      fanOut: pool.fanOut,
      log: silentLogger,
      miners: staticMinerDirectory(miners),
      ledgerHook: disabledLedgerHook,
    };
    const endpoints = miners.map((m) => m.endpoint);

    // Warm-up (JIT, SQLite pages) on a slice, not counted.
    await bareFanOut(endpoints.slice(0, 50), s.deadlineMs);
    await runValidationRound(
      { ...ctx, miners: staticMinerDirectory(miners.slice(0, 50)) },
      { prompt: PROMPT, truth: TRUTH, method: 'heuristic', timeoutMs: s.deadlineMs },
    );

    const bare: number[] = [];
    const rounds: RoundMeasure[] = [];
    for (let r = 0; r < s.repeats; r++) {
      bare.push(await bareFanOut(endpoints, s.deadlineMs));
      rounds.push(await measureRound(ctx, s.deadlineMs));
    }
    const sequential = await sequentialSample(endpoints.slice(0, SEQUENTIAL_SAMPLE), s.deadlineMs);

    const bareMs = median(bare);
    const round = rounds.sort((a, b) => a.wallMs - b.wallMs)[Math.floor(rounds.length / 2)]!;
    const sequentialMs = (sequential / SEQUENTIAL_SAMPLE) * s.count;
    const reasons = Object.entries(round.reasons)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    console.log(
      `### ${s.name}  (${s.layout === 'ports' ? 'one port per miner' : 'one port, miner by path'})`,
    );
    console.log(
      `  fan-out threads             ${pool.threads} (started in ${ms(poolStartMs)}, before the runs); rounds spread over them: ${pool.batchesInThreads} of ${s.repeats}`,
    );
    console.log(
      `  full round wall time        ${ms(round.wallMs)}   (runs: ${rounds.map((x) => ms(x.wallMs)).join(', ')})`,
    );
    console.log(
      `    fan-out until last answer ${ms(round.fanOutMs)}; scoring tail ${ms(round.scoreTailMs)}; storing ${ms(round.storeMs)}`,
    );
    console.log(`  slowest answer latency      ${ms(round.slowestMs)}`);
    console.log(
      `  overhead above slowest      ${ms(round.wallMs - round.slowestMs)}  (${((round.wallMs - round.slowestMs) / s.count).toFixed(3)} ms per miner)`,
    );
    console.log(`  outcomes                    ${reasons}`);
    console.log(`  peak RSS during round       ${mb(round.peakRss)} (before: ${mb(round.rssBefore)})`);
    console.log(`  bare node:http fan-out      ${ms(bareMs)}   (runs: ${bare.map(ms).join(', ')})`);
    console.log(
      `  ratio round / bare          ${(round.wallMs / bareMs).toFixed(2)}×  (round − bare: ${ms(round.wallMs - bareMs)}, ${((round.wallMs - bareMs) / s.count).toFixed(3)} ms per miner)`,
    );
    console.log(
      `  sequential like the seed    ${ms(sequentialMs)} (EXTRAPOLATED from ${SEQUENTIAL_SAMPLE} miners: ${ms(sequential)})`,
    );
    console.log(`  ratio sequential / round    ${(sequentialMs / round.wallMs).toFixed(0)}×\n`);
  } finally {
    await pool.close();
    handle.close();
    rmSync(dir, { recursive: true, force: true });
    await host.close();
  }
}

interface RoundMeasure {
  wallMs: number;
  fanOutMs: number;
  scoreTailMs: number;
  storeMs: number;
  slowestMs: number;
  peakRss: number;
  rssBefore: number;
  reasons: Record<string, number>;
}

async function measureRound(
  ctx: Parameters<typeof runValidationRound>[0],
  deadlineMs: number,
): Promise<RoundMeasure> {
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 10);
  let lastOutcome = 0;
  let lastScored = 0;
  let stored = 0;
  const started = performance.now();
  const round = await runValidationRound(
    ctx,
    { prompt: PROMPT, truth: TRUTH, method: 'heuristic', timeoutMs: deadlineMs },
    {
      onProgress(e) {
        if (e.type === 'answered' || e.type === 'failed') lastOutcome = performance.now();
        else if (e.type === 'scored') lastScored = performance.now();
        else if (e.type === 'stored') stored = performance.now();
      },
    },
  );
  const wallMs = performance.now() - started;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const reasons: Record<string, number> = {};
  for (const a of round.answers) {
    const key = a.ok ? 'ok' : a.reason!;
    reasons[key] = (reasons[key] ?? 0) + 1;
  }
  return {
    wallMs,
    fanOutMs: lastOutcome - started,
    scoreTailMs: Math.max(0, lastScored - lastOutcome),
    storeMs: stored - Math.max(lastOutcome, lastScored),
    slowestMs: Math.max(0, ...round.answers.map((a) => a.latencyMs)),
    peakRss,
    rssBefore,
    reasons,
  };
}

/** The floor: plain node:http, a fresh connection per miner, body read and dropped. */
async function bareFanOut(endpoints: string[], deadlineMs: number): Promise<number> {
  const body = JSON.stringify({ prompt: PROMPT });
  let next = 0;
  const worker = async () => {
    while (next < endpoints.length) await bareRequest(endpoints[next++]!, body, deadlineMs);
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, endpoints.length) }, worker));
  return performance.now() - started;
}

function bareRequest(endpoint: string, body: string, deadlineMs: number): Promise<void> {
  return new Promise((resolve) => {
    const req = httpRequest(
      endpoint,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          Buffer.concat(chunks).toString('utf8');
          finish();
        });
        res.on('error', finish);
      },
    );
    const timer = setTimeout(() => req.destroy(), deadlineMs);
    let done = false;
    function finish() {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve();
    }
    req.on('error', finish);
    req.on('close', finish);
    req.end(body);
  });
}

/** The seed's loop: one miner after another, each on a fresh connection, each with the full deadline. */
async function sequentialSample(endpoints: string[], deadlineMs: number): Promise<number> {
  const body = JSON.stringify({ prompt: PROMPT });
  const started = performance.now();
  for (const endpoint of endpoints) {
    try {
      const res = await request(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        reset: true,
        signal: AbortSignal.timeout(deadlineMs),
      });
      await res.body.json();
    } catch {
      // A dead miner costs its full timeout, as in the seed.
    }
  }
  return performance.now() - started;
}

async function startMinerHost(
  req: MinerHostRequest,
): Promise<{ miners: { vmId: string; endpoint: string }[]; close(): Promise<void> }> {
  const child: ChildProcess = fork(new URL('./miner-host.ts', import.meta.url), { stdio: 'inherit' });
  const miners = await new Promise<{ vmId: string; endpoint: string }[]>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { miners: { vmId: string; endpoint: string }[] }).miners));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`miner host exited with ${code}`)));
    child.send(req);
  });
  return {
    miners,
    close: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.send('close');
      }),
  };
}

/**
 * Where the stand-in miners listen: a block of ports below the kernel's ephemeral range, so the
 * validator's outgoing connections (which take their local ports from that range) do not have to
 * search past thousands of listeners for a free port. Left to the kernel, the listeners land in
 * the range, and connect() costs — the same for the bare and the full fan-out — swing run to run.
 * Undefined (kernel-picked ports) when no such block fits.
 */
function listenerPorts(count: number): number | undefined {
  const first = 10_000;
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    return low !== undefined && first + count <= low ? first : undefined;
  } catch {
    return undefined;
  }
}

function openFilesLimit(): string {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    return line?.split(/\s{2,}/)[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const ms = (v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
