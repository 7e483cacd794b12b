/**
 * A worker thread of the fan-out pool: runs `queryMiners` for the batches it is sent and streams
 * the answers back as they settle. It holds nothing between batches but its code.
 */
import { parentPort } from 'node:worker_threads';
import { type MinerAnswer, queryMiners } from './fan-out.ts';
import type { FromWorker, ToWorker } from './fan-out-pool.ts';

const port = parentPort;
if (!port) throw new Error('fan-out-worker runs as a worker thread');

// Nothing here shows a stack trace to anyone: a miner's failure becomes a reason. Undici destroys a
// failed request's socket with an error whose stack Node formats, which under tsx's source maps
// costs more than the request; without them it is cheap. (Per thread: the main thread keeps them.)
process.setSourceMapsEnabled(false);

const running = new Map<number, AbortController>();
port.postMessage({ type: 'ready' } satisfies FromWorker);

port.on('message', (message: ToWorker) => {
  if (message.type === 'abort') {
    running.get(message.id)?.abort(new Error('round aborted'));
    return;
  }
  const { id, batch } = message;
  const abort = new AbortController();
  running.set(id, abort);
  // Answers settled in one turn of the event loop go back in one message.
  let pending: [number, MinerAnswer][] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    port.postMessage({ type: 'answers', id, answers: pending } satisfies FromWorker);
    pending = [];
  };
  queryMiners({
    ...batch,
    signal: abort.signal,
    onResult: (answer, index) => {
      pending.push([index, answer]);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
  })
    .then(
      () => {
        flush();
        port.postMessage({ type: 'done', id } satisfies FromWorker);
      },
      (error: unknown) => {
        flush();
        port.postMessage({ type: 'failed', id, message: String(error) } satisfies FromWorker);
      },
    )
    .finally(() => running.delete(id));
});
