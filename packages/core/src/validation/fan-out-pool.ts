import { Worker } from 'node:worker_threads';
import { KEEP_ALIVE_UP_TO, type MinerAnswer, type QueryMinersInput, queryMiners } from './fan-out.ts';

/** What a worker needs to run one batch: `QueryMinersInput` without the parts that cannot cross threads. */
export type WorkerBatch = Omit<QueryMinersInput, 'onResult' | 'signal' | 'interceptors'>;

export type ToWorker = { type: 'query'; id: number; batch: WorkerBatch } | { type: 'abort'; id: number };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'answers'; id: number; answers: [index: number, answer: MinerAnswer][] }
  | { type: 'done'; id: number }
  | { type: 'failed'; id: number; message: string };

/** Runs a batch of miners: in this thread (`queryMiners`) or spread over worker threads (a pool). */
export type FanOut = (input: QueryMinersInput) => Promise<MinerAnswer[]>;

export interface FanOutPool {
  fanOut: FanOut;
  /** Worker threads running (a dead one is replaced at the next batch). */
  readonly threads: number;
  /** Batches spread over the threads so far (smaller ones ran in the calling thread). */
  readonly batchesInThreads: number;
  /** Starts every thread now and resolves once each has loaded its code (else the first large batch does). */
  start(): Promise<void>;
  /** Stops the workers; batches still running fail. */
  close(): Promise<void>;
}

export interface FanOutPoolOptions {
  /** Worker threads; 0 runs every batch in the calling thread. */
  size: number;
  /** Batches smaller than this run in the calling thread: a few miners are not worth the messages. */
  minBatch?: number;
}

/**
 * Below this many miners a batch runs in the calling thread. Full rounds on 2 cores with the
 * stand-in miners on the same machine, median of 3-6 alternating runs, pool of 2 vs this thread:
 * slower at 1,000 miners (510 vs 309 ms), even at 3,000 (996 vs 978 ms), faster at 10,000
 * (2.8 vs 3.4 s).
 */
export const POOL_MIN_BATCH = 4000;

/**
 * A pool of worker threads for large fan-outs. A batch is split into one contiguous share per
 * thread, each with its share of the concurrency cap (so the cap still bounds the whole batch), and
 * the answers stream back as they settle. A fan-out to thousands of fresh connections is CPU-bound
 * in one thread — connect, parse, close, per miner — so spreading it lets a validator use its cores.
 *
 * A worker that dies fails the batches it was running (the round fails: the validator is at fault,
 * not the miners) and is replaced at the next batch.
 *
 * Hand-written rather than piscina/tinypool (issue 13, item 6), kept until a library is measured no
 * slower: a batch streams each answer back as it settles and is stopped by a message, while in those
 * pools a task returns once and aborting a running task terminates its thread (a restart costs the
 * tsx boot below, 3.2 s for 2 threads here); a library would replace only `startWorker`'s lifecycle
 * and still need a per-task MessagePort and the same tsx bootstrap. Baseline to beat, this pool on
 * 2 shared cores (load average ~20), `VALIDATION_BENCH_ONLY=1 pnpm --filter @tensornode/core bench
 * validation`: 10,000 miners answering after 100 ms, full round median 28.6 s (25.8 / 28.6 / 30.5),
 * bare node:http fan-out in this thread 16.0 s (10.8 / 16.0 / 23.6). No library variant has been
 * measured against it yet (on a machine this loaded the repeats spread by 2x); swap only on figures.
 */
export function createFanOutPool(options: FanOutPoolOptions): FanOutPool {
  const minBatch = options.minBatch ?? POOL_MIN_BATCH;
  // Threads start at the first large batch (or `start()`) and stay for the pool's life.
  const workers: (PoolWorker | undefined)[] = Array.from({ length: Math.max(0, options.size) });
  let nextId = 1;
  let closed = false;
  let batchesInThreads = 0;

  const workerAt = (slot: number): PoolWorker => {
    const existing = workers[slot];
    if (existing && !existing.dead) return existing;
    const created = startWorker();
    workers[slot] = created;
    return created;
  };

  const fanOut: FanOut = async (input) => {
    const { miners } = input;
    // Each thread takes at least half a minimum batch.
    const threads = Math.min(workers.length, Math.floor(miners.length / Math.max(1, minBatch / 2)));
    // Interceptors are functions: they cannot cross to another thread.
    if (closed || threads < 1 || miners.length < minBatch || input.interceptors?.length) {
      return queryMiners(input);
    }
    batchesInThreads++;
    const results = new Array<MinerAnswer>(miners.length);
    const shareSize = Math.ceil(miners.length / threads);
    const jobs: Promise<void>[] = [];
    const stops: (() => void)[] = [];
    const stopAll = () => {
      for (const stop of stops) stop();
    };
    let failure: unknown;
    for (let t = 0; t < threads; t++) {
      const offset = t * shareSize;
      const share = miners.slice(offset, offset + shareSize);
      if (share.length === 0) break;
      const worker = workerAt(t);
      const id = nextId++;
      jobs.push(
        worker.run(
          id,
          {
            miners: share,
            prompt: input.prompt,
            deadlineMs: input.deadlineMs,
            concurrency: Math.max(1, Math.ceil(input.concurrency / threads)),
            maxResponseBytes: input.maxResponseBytes,
            // The batch's bound on idle connections, shared out like the concurrency.
            keepAliveUpTo: Math.floor((input.keepAliveUpTo ?? KEEP_ALIVE_UP_TO) / threads),
            // A KeyObject crosses to a worker thread through postMessage.
            ...(input.signingKey ? { signingKey: input.signingKey } : {}),
          },
          (index, answer) => {
            if (failure) return;
            results[offset + index] = answer;
            try {
              input.onResult?.(answer, offset + index);
            } catch (error) {
              // As in this thread: a throwing listener ends the batch with its error.
              failure ??= error;
              stopAll();
            }
          },
        ),
      );
      stops.push(() => worker.abort(id));
    }
    // One share failing (a worker died) stops the others: the round fails as a whole.
    const settled = jobs.map((job) =>
      job.catch((error: unknown) => {
        failure ??= error;
        stopAll();
      }),
    );
    input.signal?.addEventListener('abort', stopAll, { once: true });
    if (input.signal?.aborted) stopAll();
    try {
      await Promise.all(settled);
    } finally {
      input.signal?.removeEventListener('abort', stopAll);
    }
    if (input.signal?.aborted) throw input.signal.reason ?? new Error('aborted');
    if (failure) throw failure;
    return results;
  };

  return {
    fanOut,
    get threads() {
      return workers.filter((w) => w && !w.dead).length;
    },
    get batchesInThreads() {
      return batchesInThreads;
    },
    async start() {
      await Promise.all(workers.map((_, slot) => workerAt(slot).ready));
    },
    async close() {
      closed = true;
      await Promise.all(workers.map((w) => w?.terminate()));
    },
  };
}

interface PoolWorker {
  readonly dead: boolean;
  /** Settles once the thread has loaded its code (rejects if it could not). */
  readonly ready: Promise<void>;
  run(id: number, batch: WorkerBatch, onAnswer: (index: number, answer: MinerAnswer) => void): Promise<void>;
  abort(id: number): void;
  terminate(): Promise<void>;
}

interface Job {
  onAnswer: (index: number, answer: MinerAnswer) => void;
  resolve: () => void;
  reject: (error: Error) => void;
}

function startWorker(): PoolWorker {
  const worker = new Worker(workerBootstrap(), { eval: true });
  // An idle pool does not keep the process alive.
  worker.unref();
  const jobs = new Map<number, Job>();
  let dead = false;
  let markReady!: () => void;
  let markFailed!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    markFailed = reject;
  });
  ready.catch(() => {}); // a failed start is reported through the batches it fails

  const failAll = (error: Error) => {
    dead = true;
    markFailed(error);
    for (const job of jobs.values()) job.reject(error);
    jobs.clear();
  };
  worker.on('message', (message: FromWorker) => {
    if (message.type === 'ready') {
      markReady();
      return;
    }
    const job = jobs.get(message.id);
    if (!job) return;
    if (message.type === 'answers') {
      for (const [index, answer] of message.answers) job.onAnswer(index, answer);
      return;
    }
    jobs.delete(message.id);
    if (jobs.size === 0) worker.unref();
    if (message.type === 'done') job.resolve();
    else job.reject(new Error(`fan-out worker failed: ${message.message}`));
  });
  worker.on('error', (error) => failAll(new Error(`fan-out worker crashed: ${error.message}`)));
  worker.on('exit', (code) => failAll(new Error(`fan-out worker exited (code ${code})`)));

  return {
    get dead() {
      return dead;
    },
    ready,
    run(id, batch, onAnswer) {
      if (dead) return Promise.reject(new Error('fan-out worker is not running'));
      return new Promise<void>((resolve, reject) => {
        jobs.set(id, { onAnswer, resolve, reject });
        // A batch in flight keeps the process alive, as in-thread requests would.
        worker.ref();
        worker.postMessage({ type: 'query', id, batch } satisfies ToWorker);
      });
    },
    abort(id) {
      if (!dead && jobs.has(id)) worker.postMessage({ type: 'abort', id } satisfies ToWorker);
    },
    async terminate() {
      if (dead) return;
      await worker.terminate();
    },
  };
}

let bootstrap: string | undefined;
/**
 * The worker loads this package's TypeScript source, as the process does, through tsx. Node 20
 * does not apply `--import` hooks to a worker's entry module, so a small script registers tsx in
 * the worker first and then imports the entry.
 */
function workerBootstrap(): string {
  if (bootstrap) return bootstrap;
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./fan-out-worker.ts', import.meta.url).href;
  bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return bootstrap;
}
