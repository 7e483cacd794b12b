import { createOutboxRepository, type Database, type OutboxRow } from '@tensornode/db';
import type { Logger } from '../context.ts';
import { canonicalJson, type RoundLedgerHook, type RoundSummary } from '../validation/round-summary.ts';
import { type Ledger, LedgerError, type LedgerReceipt } from './ledger.ts';
import { decodeChunks, encodeChunks } from './transaction-list.ts';

/**
 * The durable path from a stored round to the score topic.
 *
 * Exactly-once rests on Hedera's rule that a transaction id executes at most once:
 * - the transaction is frozen with a fixed id and its signed bytes are stored BEFORE the first
 *   send; every retry (outage, BUSY, crash, restart) resends those same bytes, and a
 *   DUPLICATE_TRANSACTION answer means an earlier send got through, so only the receipt is fetched;
 * - a NEW id is frozen only when the old one provably never executed: its validity window has
 *   closed (no node will accept it any more) and neither the node's receipt store nor the mirror
 *   node's history knows it (`Ledger.transactionOutcome`), or a node rejected it at precheck
 *   (INVALID_SIGNATURE…: a precheck rejection is never forwarded to consensus);
 * - one worker per process sends; status changes are single-row updates, and an entry is taken
 *   by one pass at a time (`inFlight`).
 *
 * A non-retryable failure (wrong operator key, unknown topic…) marks the entry `failed` with the
 * reason and keeps it. Failed entries are retried on the next start of the worker (the usual fix
 * is configuration plus a restart) or on demand with `retryFailedEntries` (`ledger.retry`). A
 * multi-chunk message refused part-way keeps its transaction: re-freezing it would put a second
 * copy on the topic after the orphaned first chunks.
 */

export interface OutboxMetrics {
  confirmed(latencyMs: number): void;
  retried(status: string): void;
  failed(status: string): void;
}

export interface OutboxHookOptions {
  /** The topic, when known at enqueue time (the worker fills it in otherwise). */
  topicId?: string | null;
  now?: () => Date;
  /** Called after the round's transaction committed: wakes the sender. */
  onEnqueued?: () => void;
}

/** The `RoundLedgerHook` that writes each round summary to the outbox in the round's own transaction. */
export function createOutboxHook(options: OutboxHookOptions = {}): RoundLedgerHook {
  return {
    enqueue(tx, summary: RoundSummary) {
      const repo = createOutboxRepository(tx);
      repo.insert({
        kind: 'round',
        roundId: summary.roundId,
        topicId: options.topicId ?? null,
        payload: canonicalJson(summary),
        nextAttemptAt: options.now?.() ?? new Date(),
      });
      repo.updateRoundLedger(summary.roundId, {
        ledgerStatus: 'pending',
        ledgerTopicId: options.topicId ?? null,
      });
    },
    afterCommit() {
      options.onEnqueued?.();
    },
  };
}

/** A hook for when no ledger runs: the round records that it was not published. */
export const disabledLedgerHook: RoundLedgerHook = {
  enqueue(tx, summary) {
    createOutboxRepository(tx).updateRoundLedger(summary.roundId, { ledgerStatus: 'disabled' });
  },
};

export interface OutboxWorkerOptions {
  db: Database;
  ledger: Ledger;
  topicId: string;
  log: Logger;
  metrics?: OutboxMetrics;
  /** Entries sent at once. */
  concurrency?: number;
  /** First retry delay and its cap; each retry doubles it, with ±50 % jitter. */
  backoff?: { baseMs: number; capMs: number };
  /** How often the worker looks for due entries when nobody kicks it. */
  pollIntervalMs?: number;
  now?: () => Date;
  /** Test seam: runs after the ledger accepted the entry, before its receipt is stored. */
  afterSubmit?: (entry: OutboxRow) => void | Promise<void>;
}

export interface OutboxWorker {
  /** Starts the background loop; entries that failed earlier are retried once now. */
  start(): void;
  /** Looks for due entries now. */
  kick(): void;
  /** Resolves when nothing is left to send (pending or in flight); rejects after `timeoutMs`. */
  drain(options?: { timeoutMs?: number }): Promise<void>;
  /** Stops the loop and waits for the entries in flight. */
  stop(): Promise<void>;
}

const DEFAULT_BACKOFF = { baseMs: 500, capMs: 60_000 };

/**
 * A multi-chunk message that stopped part-way. It is kept with its transaction for the operator:
 * `ledger.retry` resends the same bytes (chunks on the topic answer DUPLICATE); `republish` sends it
 * again whole under a new id, leaving the partial copy on the topic.
 */
function partialMessageError(confirmed: number | null, total: number, reason: string): LedgerError {
  const onTopic = confirmed === null ? 'some chunks' : `${confirmed} of ${total} chunks`;
  return new LedgerError(
    'PARTIAL_MESSAGE',
    `${reason}; ${onTopic} reached the topic, so it was not re-sent under a new id — retry it, or republish it whole`,
    false,
  );
}

/** The transaction id of chunk `index` (0-based): the SDK adds one nanosecond per chunk. */
export function chunkTransactionId(initialId: string, index: number): string {
  const [account, start = ''] = initialId.split('@');
  const [seconds = '0', nanos = '0'] = start.split('.');
  const total = BigInt(seconds) * 1_000_000_000n + BigInt(nanos.padEnd(9, '0')) + BigInt(index);
  return `${account}@${total / 1_000_000_000n}.${(total % 1_000_000_000n).toString().padStart(9, '0')}`;
}

export function validStartOf(transactionId: string): Date {
  const start = transactionId.split('@')[1] ?? '0';
  const [seconds = '0', nanos = '0'] = start.split('.');
  return new Date(Number(seconds) * 1000 + Math.floor(Number(nanos.padEnd(9, '0')) / 1e6));
}

export function createOutboxWorker(options: OutboxWorkerOptions): OutboxWorker {
  const { db, ledger, topicId, metrics } = options;
  const log = options.log.child({ component: 'ledger-outbox' });
  const repo = createOutboxRepository(db);
  const now = () => options.now?.() ?? new Date();
  const concurrency = options.concurrency ?? 8;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const pollIntervalMs = options.pollIntervalMs ?? 5000;

  const inFlight = new Set<number>();
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> | null = null;
  let again = false;

  const retryDelay = (attempts: number) => {
    const exp = Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.max(0, attempts - 1));
    return Math.round(exp * (0.5 + Math.random()));
  };

  function confirm(
    entry: OutboxRow,
    receipt: {
      transactionId: string;
      sequenceNumber: number;
      runningHash: string;
      consensusAt: string | null;
    },
  ) {
    const at = now();
    db.transaction((tx) => {
      const r = createOutboxRepository(tx);
      r.markConfirmed(entry.id, {
        sequenceNumber: receipt.sequenceNumber,
        runningHash: receipt.runningHash,
        at,
      });
      if (entry.roundId) {
        r.updateRoundLedger(entry.roundId, {
          ledgerStatus: 'confirmed',
          ledgerTopicId: entry.topicId ?? topicId,
          ledgerSequence: receipt.sequenceNumber,
          ledgerRunningHash: receipt.runningHash,
          ledgerTransactionId: receipt.transactionId,
          ledgerConsensusAt: receipt.consensusAt,
        });
      }
    });
    metrics?.confirmed(at.getTime() - entry.createdAt.getTime());
    log.debug(
      { entry: entry.id, roundId: entry.roundId, sequence: receipt.sequenceNumber },
      'ledger entry confirmed',
    );
  }

  function fail(entry: OutboxRow, error: LedgerError, { forgetTransaction }: { forgetTransaction: boolean }) {
    db.transaction((tx) => {
      const r = createOutboxRepository(tx);
      if (forgetTransaction) r.clearPrepared(entry.id);
      r.markFailed(entry.id, error.message);
      if (entry.roundId) r.updateRoundLedger(entry.roundId, { ledgerStatus: 'failed' });
    });
    metrics?.failed(error.status);
    log.error(
      { entry: entry.id, roundId: entry.roundId, status: error.status },
      `ledger entry failed: ${error.message}`,
    );
  }

  function scheduleRetry(entry: OutboxRow, reason: string, status: string) {
    const delay = retryDelay(entry.attempts + 1);
    repo.scheduleRetry(entry.id, { lastError: reason, nextAttemptAt: new Date(now().getTime() + delay) });
    metrics?.retried(status);
    log.warn(
      { entry: entry.id, attempts: entry.attempts + 1, retryInMs: delay, status },
      `ledger submission will be retried: ${reason}`,
    );
  }

  /** The consensus time of the message, from the mirror; null when it has not caught up yet. */
  async function consensusAt(topic: string, sequenceNumber: number): Promise<string | null> {
    try {
      return (await ledger.message(topic, sequenceNumber))?.consensusTimestamp ?? null;
    } catch {
      return null;
    }
  }

  async function confirmFromReceipt(entry: OutboxRow, receipt: LedgerReceipt, transactionId: string) {
    const topic = entry.topicId ?? topicId;
    const sequenceNumber = receipt.topicSequenceNumber!;
    confirm(entry, {
      transactionId,
      sequenceNumber,
      runningHash: receipt.topicRunningHash!,
      consensusAt: await consensusAt(topic, sequenceNumber),
    });
  }

  /** The stored transaction expired unconfirmed: did its last chunk ever execute? */
  async function settleExpired(entry: OutboxRow, chunkCount: number): Promise<void> {
    const initialId = entry.transactionId!;
    const lastId = chunkTransactionId(initialId, chunkCount - 1);
    const validUntil = new Date(validStartOf(lastId).getTime() + ledger.validDurationSeconds * 1000);
    const outcome = await ledger.transactionOutcome(lastId, validUntil);
    if (outcome.state === 'executed' && outcome.receipt.topicSequenceNumber != null) {
      await confirmFromReceipt(entry, outcome.receipt, initialId);
      return;
    }
    if (outcome.state === 'executed' || outcome.state === 'unknown') {
      // Executed without a receipt at hand (old, only the mirror knows it): find it there.
      const found = await ledger
        .findMessageByTransactionId(entry.topicId ?? topicId, initialId, validStartOf(initialId))
        .catch(() => null);
      if (found && !found.incomplete) {
        confirm(entry, {
          transactionId: initialId,
          sequenceNumber: found.sequenceNumber,
          runningHash: found.runningHash,
          consensusAt: found.consensusTimestamp,
        });
        return;
      }
      scheduleRetry(
        entry,
        `transaction ${initialId} expired; waiting to learn whether it executed${outcome.state === 'unknown' ? `: ${outcome.reason}` : ''}`,
        'TRANSACTION_EXPIRED',
      );
      return;
    }
    if (chunkCount > 1) {
      // The last chunk never executed; if the first did, the topic holds part of this message.
      const firstValidUntil = new Date(
        validStartOf(initialId).getTime() + ledger.validDurationSeconds * 1000,
      );
      const first = await ledger.transactionOutcome(initialId, firstValidUntil);
      if (first.state === 'unknown') {
        scheduleRetry(
          entry,
          `transaction ${initialId} expired; waiting to learn whether it executed: ${first.reason}`,
          'TRANSACTION_EXPIRED',
        );
        return;
      }
      if (first.state === 'executed') {
        fail(entry, partialMessageError(null, chunkCount, `transaction ${initialId} expired incomplete`), {
          forgetTransaction: false,
        });
        return;
      }
    }
    // Provably never executed: freeze a new transaction on the next attempt.
    db.transaction((tx) => {
      const r = createOutboxRepository(tx);
      r.clearPrepared(entry.id);
      r.scheduleRetry(entry.id, {
        lastError: `transaction ${initialId} expired unsent; re-signed with a new id`,
        nextAttemptAt: now(),
      });
    });
    log.warn(
      { entry: entry.id, transactionId: initialId },
      'expired ledger transaction never executed; freezing a new one',
    );
  }

  async function prepare(entry: OutboxRow): Promise<OutboxRow | null> {
    const topic = entry.topicId ?? topicId;
    const prepared = await ledger.prepareTopicMessage(topic, Buffer.from(entry.payload, 'utf8'));
    const stored = db.transaction((tx) => {
      const r = createOutboxRepository(tx);
      const ok = r.setPrepared(entry.id, {
        topicId: topic,
        transactionId: prepared.transactionId,
        signedBytes: encodeChunks(prepared.chunks),
      });
      if (ok && entry.roundId)
        r.updateRoundLedger(entry.roundId, {
          ledgerTransactionId: prepared.transactionId,
          ledgerTopicId: topic,
        });
      return ok;
    });
    return stored ? (repo.findById(entry.id) ?? null) : null;
  }

  async function processEntry(initial: OutboxRow): Promise<void> {
    let entry: OutboxRow | null = initial;
    if (!entry.transactionId || !entry.signedBytes) {
      entry = await prepare(entry);
      if (!entry) return;
    }
    const chunks = decodeChunks(entry.signedBytes!);
    const lastValidUntil =
      validStartOf(chunkTransactionId(entry.transactionId!, chunks.length - 1)).getTime() +
      ledger.validDurationSeconds * 1000;
    if (now().getTime() >= lastValidUntil) {
      await settleExpired(entry, chunks.length);
      return;
    }
    repo.markSending(entry.id, now());
    if (entry.roundId && entry.status === 'pending')
      repo.updateRoundLedger(entry.roundId, { ledgerStatus: 'submitted' });
    let receipt: LedgerReceipt;
    try {
      receipt = await ledger.submitPrepared(chunks);
    } catch (error) {
      const ledgerError =
        error instanceof LedgerError
          ? error
          : new LedgerError('ERROR', String(error), true, { cause: error });
      if (ledgerError.status === 'TRANSACTION_EXPIRED') return settleExpired(entry, chunks.length);
      if (ledgerError.retryable) return scheduleRetry(entry, ledgerError.message, ledgerError.status);
      if (ledgerError.chunksConfirmed > 0) {
        // Earlier chunks are on the topic: a new id would add a second copy. Keep the transaction.
        return fail(
          entry,
          partialMessageError(ledgerError.chunksConfirmed, chunks.length, ledgerError.message),
          {
            forgetTransaction: false,
          },
        );
      }
      // Rejected at precheck, or executed with a failure: either way these bytes are spent.
      return fail(entry, ledgerError, { forgetTransaction: true });
    }
    await options.afterSubmit?.(entry);
    await confirmFromReceipt(entry, receipt, entry.transactionId!);
  }

  async function runPass(): Promise<void> {
    for (;;) {
      const due = repo.due(now(), concurrency * 4).filter((e) => !inFlight.has(e.id));
      if (due.length === 0) return;
      let index = 0;
      const lane = async () => {
        for (;;) {
          const entry = due[index++];
          if (!entry) return;
          inFlight.add(entry.id);
          try {
            await processEntry(entry);
          } catch (error) {
            // A bug or a database error: keep the entry, look again later.
            log.error({ err: error, entry: entry.id }, 'ledger outbox entry could not be processed');
            scheduleRetry(entry, error instanceof Error ? error.message : String(error), 'ERROR');
          } finally {
            inFlight.delete(entry.id);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, due.length) }, lane));
    }
  }

  /** One pass at a time; a kick during a pass runs another right after it. */
  function runOnce(): Promise<void> {
    if (pass) {
      again = true;
      return pass;
    }
    pass = (async () => {
      try {
        do {
          again = false;
          await runPass();
        } while (again);
      } finally {
        pass = null;
      }
    })();
    return pass;
  }

  function schedule(delayMs: number) {
    if (!running) return;
    clearTimeout(timer);
    timer = setTimeout(() => void loop(), Math.max(0, delayMs));
    timer.unref?.();
  }

  async function loop() {
    if (!running) return;
    try {
      await runOnce();
    } catch (error) {
      log.error({ err: error }, 'ledger outbox pass failed');
    }
    const next = repo.openSummary().nextAttemptAt;
    schedule(next ? Math.min(pollIntervalMs, next.getTime() - now().getTime()) : pollIntervalMs);
  }

  return {
    start() {
      if (running) return;
      running = true;
      const retried = repo.retryFailed(now());
      if (retried > 0) log.info({ entries: retried }, 'retrying failed ledger entries');
      schedule(0);
    },
    kick() {
      if (running) schedule(0);
    },
    async drain({ timeoutMs = 30_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        await runOnce();
        const { open, nextAttemptAt } = repo.openSummary();
        if (open === 0) return;
        if (Date.now() >= deadline)
          throw new Error(`ledger outbox still has ${open} entries after ${timeoutMs} ms`);
        const wait = nextAttemptAt ? nextAttemptAt.getTime() - now().getTime() : 50;
        await new Promise((resolve) =>
          setTimeout(resolve, Math.max(10, Math.min(wait, deadline - Date.now(), 1000))),
        );
      }
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      await pass?.catch(() => undefined);
    },
  };
}

export interface RetryFailedInput {
  /** Only these entries; all failed entries when omitted. */
  ids?: readonly number[];
  /** Forget the stored transaction so the message is sent again whole under a new id. */
  republish?: boolean;
  at?: Date;
}

/** Puts failed entries back in the queue (after the cause, such as the operator key, was fixed). */
export function retryFailedEntries(db: Database, input: RetryFailedInput = {}): number {
  return createOutboxRepository(db).retryFailed(input.at ?? new Date(), input.ids, {
    forgetTransaction: input.republish === true,
  });
}
