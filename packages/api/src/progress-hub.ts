import { randomBytes } from 'node:crypto';
import type { RoundProgressEvent } from '@tensornode/core/validation';

export interface ProgressRecord {
  /** `<boot>:<sequence>`: unique across restarts, so a stale id from a previous process replays nothing. */
  id: string;
  event: RoundProgressEvent;
}

export interface ProgressHubOptions {
  /** Latest events kept for replay to a client that reconnects with its last event id. */
  capacity?: number;
  /** Events one subscriber may fall behind by before it is dropped. */
  subscriberBuffer?: number;
}

/** A subscriber fell too far behind and was dropped; it resumes from `lastEventId`. */
export class SubscriberDroppedError extends Error {
  constructor(
    readonly lastEventId: string | null,
    buffer: number,
  ) {
    super(
      `progress stream dropped: it fell ${buffer} events behind; resubscribe with lastEventId ${lastEventId ?? '(none)'}`,
    );
    this.name = 'SubscriberDroppedError';
  }
}

/** The events after a resume id are no longer kept. */
export class ReplayGapError extends Error {
  constructor(readonly lastEventId: string) {
    super(
      `events after ${lastEventId} are no longer kept; read finished rounds with validation.round, then subscribe afresh`,
    );
    this.name = 'ReplayGapError';
  }
}

/** A token holds as many progress streams as it may. */
export class TooManySubscriptionsError extends Error {
  constructor(readonly limit: number) {
    super(`at most ${limit} progress streams per API token; close one first`);
    this.name = 'TooManySubscriptionsError';
  }
}

interface Subscriber {
  /** Retained events a resuming subscriber missed: the hub's own records, so they cost no buffer. */
  replay: ProgressRecord[];
  /** Live events not yet read: bounded by `subscriberBuffer`. */
  queue: ProgressRecord[];
  wake: (() => void) | undefined;
  dropped: boolean;
  closed: boolean;
}

/**
 * Fans round progress out to subscribers in this process and keeps the latest events, so a client
 * that reconnects with its last event id misses nothing. Each subscriber's buffer is bounded: one
 * that falls behind by more is dropped (it resumes by id), so a slow reader cannot hold memory.
 */
export function createProgressHub({ capacity = 2000, subscriberBuffer = 500 }: ProgressHubOptions = {}) {
  const boot = randomBytes(4).toString('hex');
  const recent: ProgressRecord[] = [];
  const subscribers = new Set<Subscriber>();
  const perHolder = new Map<string, number>();
  let sequence = 0;

  const sequenceOf = (id: string | undefined): number | undefined => {
    const [b, s] = id?.split(':') ?? [];
    return b === boot && s !== undefined ? Number(s) : undefined;
  };
  const wake = (sub: Subscriber) => {
    const resume = sub.wake;
    sub.wake = undefined;
    resume?.();
  };

  return {
    publish(event: RoundProgressEvent): void {
      const record = { id: `${boot}:${++sequence}`, event };
      recent.push(record);
      if (recent.length > capacity) recent.splice(0, recent.length - capacity);
      for (const sub of subscribers) {
        if (sub.queue.length >= subscriberBuffer) {
          // Stop holding events for it at once; it learns why on its next read.
          sub.dropped = true;
          sub.replay = [];
          sub.queue = [];
          subscribers.delete(sub);
        } else {
          sub.queue.push(record);
        }
        wake(sub);
      }
    },

    /** Ends every subscription (on shutdown), so open SSE streams do not hold the server open. */
    close(): void {
      for (const sub of subscribers) {
        sub.closed = true;
        wake(sub);
      }
      subscribers.clear();
    },

    /** Streams currently open for a holder (an API token). */
    openCount(holder: string): number {
      return perHolder.get(holder) ?? 0;
    },

    /**
     * Opens a stream at once (it listens before replaying, so nothing published in between is
     * lost) and counts it against its holder until it ends. Throws TooManySubscriptionsError over
     * `maxPerHolder`, ReplayGapError when the events after `lastEventId` are gone.
     */
    open(options: {
      signal?: AbortSignal;
      lastEventId?: string | null;
      holder?: string;
      maxPerHolder?: number;
    }): AsyncIterableIterator<ProgressRecord> {
      const { holder, maxPerHolder = Number.POSITIVE_INFINITY } = options;
      if (holder !== undefined && (perHolder.get(holder) ?? 0) >= maxPerHolder) {
        throw new TooManySubscriptionsError(maxPerHolder);
      }
      const resumeFrom = sequenceOf(options.lastEventId ?? undefined);
      const oldest = recent[0] ? sequenceOf(recent[0].id)! : sequence + 1;
      if (resumeFrom !== undefined && resumeFrom < oldest - 1) {
        throw new ReplayGapError(options.lastEventId!);
      }
      const after = resumeFrom ?? sequence;
      const sub: Subscriber = {
        replay: recent.filter((r) => sequenceOf(r.id)! > after),
        queue: [],
        wake: undefined,
        dropped: false,
        closed: false,
      };
      subscribers.add(sub);
      if (holder !== undefined) perHolder.set(holder, (perHolder.get(holder) ?? 0) + 1);
      let lastDelivered = options.lastEventId ?? null;
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        sub.closed = true;
        subscribers.delete(sub);
        options.signal?.removeEventListener('abort', release);
        if (holder !== undefined) {
          const left = (perHolder.get(holder) ?? 1) - 1;
          if (left > 0) perHolder.set(holder, left);
          else perHolder.delete(holder);
        }
        wake(sub);
      };
      if (options.signal?.aborted) release();
      options.signal?.addEventListener('abort', release, { once: true });

      const done = { value: undefined, done: true } as const;
      return {
        [Symbol.asyncIterator]() {
          return this;
        },
        async next(): Promise<IteratorResult<ProgressRecord>> {
          for (;;) {
            const record = sub.replay.shift() ?? sub.queue.shift();
            if (record) {
              lastDelivered = record.id;
              return { value: record, done: false };
            }
            if (sub.dropped) {
              release();
              throw new SubscriberDroppedError(lastDelivered, subscriberBuffer);
            }
            if (sub.closed) {
              release();
              return done;
            }
            await new Promise<void>((resolve) => {
              sub.wake = resolve;
            });
          }
        },
        async return(): Promise<IteratorResult<ProgressRecord>> {
          release();
          return done;
        },
      };
    },
  };
}

export type ProgressHub = ReturnType<typeof createProgressHub>;
