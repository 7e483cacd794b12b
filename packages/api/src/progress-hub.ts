import { randomBytes } from 'node:crypto';
import { EventEmitter, on } from 'node:events';
import type { RoundProgressEvent } from '@tensornode/core/validation';

export interface ProgressRecord {
  /** `<boot>:<sequence>`: unique across restarts, so a stale id from a previous process replays nothing. */
  id: string;
  event: RoundProgressEvent;
}

/**
 * Fans round progress out to subscribers in this process and keeps the latest events, so a client
 * that reconnects with its last event id misses nothing.
 */
export function createProgressHub(capacity = 2000) {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  // Ends every subscription on shutdown, so open SSE streams do not hold the server open.
  const closing = new AbortController();
  const boot = randomBytes(4).toString('hex');
  const recent: ProgressRecord[] = [];
  let sequence = 0;

  const sequenceOf = (id: string | undefined): number | undefined => {
    const [b, s] = id?.split(':') ?? [];
    return b === boot && s !== undefined ? Number(s) : undefined;
  };

  return {
    publish(event: RoundProgressEvent): void {
      const record = { id: `${boot}:${++sequence}`, event };
      recent.push(record);
      if (recent.length > capacity) recent.splice(0, recent.length - capacity);
      emitter.emit('progress', record);
    },

    close(): void {
      closing.abort();
    },

    async *subscribe(options: {
      signal?: AbortSignal;
      lastEventId?: string | null;
    }): AsyncGenerator<ProgressRecord> {
      // Listen before replaying, so nothing published in between is lost; skip what replay sent.
      const signal = options.signal ? AbortSignal.any([options.signal, closing.signal]) : closing.signal;
      if (signal.aborted) return;
      const live = on(emitter, 'progress', { signal });
      let sent = sequenceOf(options.lastEventId ?? undefined) ?? sequence;
      try {
        for (const record of recent) {
          const seq = sequenceOf(record.id)!;
          if (seq > sent) {
            sent = seq;
            yield record;
          }
        }
        for await (const [record] of live as AsyncIterable<[ProgressRecord]>) {
          const seq = sequenceOf(record.id)!;
          if (seq <= sent) continue;
          sent = seq;
          yield record;
        }
      } catch (error) {
        if ((error as { name?: string }).name !== 'AbortError') throw error;
      } finally {
        await live.return?.();
      }
    },
  };
}

export type ProgressHub = ReturnType<typeof createProgressHub>;
