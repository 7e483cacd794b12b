import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createOutboxRepository,
  createRoundRepository,
  type DatabaseHandle,
  openDatabase,
} from '@tensornode/db';
import { type Devnet, startDevnet } from '@tensornode/devnet';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../context.ts';
import { canonicalJson } from '../validation/round-summary.ts';
import { loadHederaSdk } from './hedera-ledger.ts';
import { type Ledger, LedgerError } from './ledger.ts';
import { createOutboxHook, createOutboxWorker, type OutboxWorker, retryFailedEntries } from './outbox.ts';
import { allTopicMessages, devnetLedger, recordTestRound } from './testing.ts';
import { encodeChunks } from './transaction-list.ts';

const FAST_BACKOFF = { baseMs: 20, capMs: 200 };

let devnet: Devnet;
let ledger: Ledger;
let database: DatabaseHandle;
let topicId: string;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  devnet = await startDevnet({ dbPath: ':memory:' });
  ledger = await devnetLedger(devnet);
}, 30_000);

afterAll(async () => {
  await ledger?.close();
  await devnet?.stop();
});

async function freshTopic(): Promise<void> {
  database = openDatabase({ path: ':memory:' });
  topicId = await ledger.createTopic('scores');
  cleanups.push(() => database.close());
}

afterEach(async () => {
  devnet.clearFault();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function worker(options: Partial<Parameters<typeof createOutboxWorker>[0]> = {}): OutboxWorker {
  const w = createOutboxWorker({
    db: database.db,
    ledger,
    topicId,
    log: silentLogger,
    backoff: FAST_BACKOFF,
    ...options,
  });
  cleanups.push(() => w.stop());
  return w;
}

const hook = () => createOutboxHook({ topicId });

describe('ledger outbox against the devnet', () => {
  it('publishes a stored round and records its sequence number and running hash on the round', async () => {
    await freshTopic();
    const summary = recordTestRound(database.db, hook());
    expect(createRoundRepository(database.db).findById(summary.roundId)?.ledgerStatus).toBe('pending');

    await worker().drain();

    const round = createRoundRepository(database.db).findById(summary.roundId)!;
    expect(round.ledgerStatus).toBe('confirmed');
    expect(round.ledgerTopicId).toBe(topicId);
    expect(round.ledgerSequence).toBe(1);
    expect(round.ledgerRunningHash).toMatch(/^[0-9a-f]{96}$/);
    expect(round.ledgerTransactionId).toMatch(/^0\.0\.\d+@\d+\.\d{9}$/);
    expect(round.ledgerConsensusAt).toMatch(/^\d+\.\d{9}$/);

    const [message] = await allTopicMessages(ledger, topicId);
    expect(Buffer.from(message!.message).toString()).toBe(canonicalJson(summary));
    expect(message!.runningHash).toBe(round.ledgerRunningHash);
    expect(message!.transactionId).toBe(round.ledgerTransactionId);
  });

  it('publishes a 3 KB summary in chunks and reads it back as one message', async () => {
    await freshTopic();
    const answers = Array.from({ length: 40 }, (_, i) => ({
      vmId: `vm-${String(i).padStart(3, '0')}-${'x'.repeat(20)}`,
      minerAddress: `0.0.${6000 + i}`,
      score: i,
      ok: true,
    }));
    const summary = recordTestRound(database.db, hook(), { answers });
    expect(canonicalJson(summary).length).toBeGreaterThan(3000);

    await worker().drain();

    const messages = await allTopicMessages(ledger, topicId);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.chunkSequenceNumbers.length).toBeGreaterThanOrEqual(3);
    expect(Buffer.from(messages[0]!.message).toString()).toBe(canonicalJson(summary));
    const round = createRoundRepository(database.db).findById(summary.roundId)!;
    expect(round.ledgerSequence).toBe(messages[0]!.sequenceNumber);
  });

  it('keeps a chunked message refused part-way with its transaction, and a retry completes it without a second copy', async () => {
    await freshTopic();
    const answers = Array.from({ length: 40 }, (_, i) => ({
      vmId: `vm-${String(i).padStart(3, '0')}-${'y'.repeat(20)}`,
      minerAddress: `0.0.${7000 + i}`,
      score: i,
      ok: true,
    }));
    const summary = recordTestRound(database.db, hook(), { answers });
    // The first chunk reaches consensus, then the node refuses the second.
    const refusing: Ledger = Object.create(ledger, {
      submitPrepared: {
        value: async (chunks: Uint8Array[]) => {
          await ledger.submitPrepared(chunks.slice(0, 1));
          throw new LedgerError('INVALID_SIGNATURE', 'INVALID_SIGNATURE', false, { chunksConfirmed: 1 });
        },
      },
    });
    await worker({ ledger: refusing }).drain();
    const outbox = createOutboxRepository(database.db);
    const failed = outbox.findByRound(summary.roundId)!;
    expect(failed.status).toBe('failed');
    expect(failed.lastError).toMatch(/1 of \d+ chunks reached the topic/);
    expect(failed.transactionId).not.toBeNull();

    expect(retryFailedEntries(database.db, { ids: [failed.id] })).toBe(1);
    await worker().drain();
    const messages = await allTopicMessages(ledger, topicId);
    expect(messages).toHaveLength(1);
    expect(Buffer.from(messages[0]!.message).toString()).toBe(canonicalJson(summary));
    // The orphaned first chunk was completed, not followed by a second full copy.
    const chunkCount = messages[0]!.chunkSequenceNumbers.length;
    expect(messages[0]!.chunkSequenceNumbers).toEqual(Array.from({ length: chunkCount }, (_, i) => i + 1));
    expect(outbox.findByRound(summary.roundId)?.transactionId).toBe(failed.transactionId);
  });

  it('keeps 50 rounds recorded while the node is down and publishes each exactly once when it returns', async () => {
    await freshTopic();
    await devnet.stop();
    const w = worker();
    const rounds = Array.from({ length: 50 }, () => recordTestRound(database.db, hook()));
    await expect(w.drain({ timeoutMs: 1500 })).rejects.toThrow(/still has 50 entries/);
    const outbox = createOutboxRepository(database.db);
    const waiting = outbox.listUnconfirmed(100);
    expect(waiting).toHaveLength(50);
    expect(waiting.every((e) => e.attempts >= 1 && /UNAVAILABLE|TIMEOUT/.test(e.lastError ?? ''))).toBe(true);

    await devnet.restart();
    await w.drain({ timeoutMs: 20_000 });

    const messages = await allTopicMessages(ledger, topicId);
    const published = messages.map(
      (m) => (JSON.parse(Buffer.from(m.message).toString()) as { roundId: string }).roundId,
    );
    expect(published).toHaveLength(50);
    expect(new Set(published)).toEqual(new Set(rounds.map((r) => r.roundId)));
    expect(outbox.countByStatus()).toMatchObject({ confirmed: 50, pending: 0, sent: 0, failed: 0 });
  }, 40_000);

  it('retries BUSY answers and publishes once', async () => {
    await freshTopic();
    const summary = recordTestRound(database.db, hook());
    devnet.setFault({ mode: 'busy', count: 6 });
    await worker().drain({ timeoutMs: 20_000 });
    expect(createRoundRepository(database.db).findById(summary.roundId)?.ledgerStatus).toBe('confirmed');
    expect(await allTopicMessages(ledger, topicId)).toHaveLength(1);
  }, 30_000);

  it('fails with a clear reason on a wrong operator key, keeps the entry, and sends it once the key is fixed', async () => {
    await freshTopic();
    const sdk = await loadHederaSdk();
    const wrongKey = sdk.PrivateKey.generateED25519().toStringDer();
    const badLedger = await devnetLedger(devnet, {
      operator: { accountId: devnet.operator.accountId, privateKey: wrongKey },
    });
    cleanups.push(() => badLedger.close());
    const summary = recordTestRound(database.db, hook());

    await worker({ ledger: badLedger }).drain();

    const [entry] = createOutboxRepository(database.db).listUnconfirmed(10);
    expect(entry?.status).toBe('failed');
    expect(entry?.lastError).toMatch(/INVALID_SIGNATURE/);
    expect(entry?.lastError).toMatch(/HEDERA_OPERATOR_KEY/);
    expect(entry?.lastError).not.toContain(wrongKey);
    expect(createRoundRepository(database.db).findById(summary.roundId)?.ledgerStatus).toBe('failed');
    expect(await allTopicMessages(ledger, topicId)).toHaveLength(0);

    // "Restart" with the right key: failed entries are retried on start.
    const fixed = worker();
    fixed.start();
    await fixed.drain();
    expect(createRoundRepository(database.db).findById(summary.roundId)?.ledgerStatus).toBe('confirmed');
    expect(await allTopicMessages(ledger, topicId)).toHaveLength(1);
  });

  it('keeps an expired, never-sent entry pending while the mirror lags, and re-signs it once the mirror is past its valid-until', async () => {
    await freshTopic();
    cleanups.push(() => devnet.holdMirror(null));
    const summary = recordTestRound(database.db, hook());
    const repo = createOutboxRepository(database.db);
    const entry = repo.findByRound(summary.roundId)!;
    // A sender froze this ten minutes ago and died before sending it.
    const stale = await ledger.prepareTopicMessage(topicId, Buffer.from(entry.payload, 'utf8'), {
      validStart: new Date(Date.now() - 600_000),
    });
    repo.setPrepared(entry.id, {
      topicId,
      transactionId: stale.transactionId,
      signedBytes: encodeChunks(stale.chunks),
    });

    devnet.holdMirror(new Date(Date.now() - 3_600_000)); // the mirror has imported nothing of the last hour
    const w = worker();
    await expect(w.drain({ timeoutMs: 3_000 })).rejects.toThrow(/still has 1/);
    const waiting = repo.findById(entry.id)!;
    expect(waiting.status).toBe('pending');
    expect(waiting.transactionId).toBe(stale.transactionId);
    expect(waiting.lastError).toMatch(
      /waiting to learn whether it executed: .*history ends at .*valid-until/,
    );
    expect(await allTopicMessages(ledger, topicId)).toHaveLength(0);

    devnet.holdMirror(null);
    await w.drain({ timeoutMs: 20_000 });
    const round = createRoundRepository(database.db).findById(summary.roundId)!;
    expect(round.ledgerStatus).toBe('confirmed');
    expect(round.ledgerTransactionId).not.toBe(stale.transactionId);
    expect(await allTopicMessages(ledger, topicId)).toHaveLength(1);
  }, 40_000);

  it('confirms without resending after the sender is killed between send and receipt', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tensornode-outbox-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const dbPath = join(dir, 'tensornode.db');
    database = openDatabase({ path: dbPath });
    cleanups.push(() => database.close());
    topicId = await ledger.createTopic('scores');
    const summary = recordTestRound(database.db, hook());

    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./fixtures/crash-after-submit.ts', import.meta.url))],
      {
        env: {
          ...process.env,
          DB_PATH: dbPath,
          NODE_ENDPOINT: devnet.grpcEndpoint,
          NODE_ACCOUNT: devnet.nodeAccountId,
          MIRROR_URL: devnet.mirrorUrl,
          OPERATOR_ID: devnet.operator.accountId,
          OPERATOR_KEY: devnet.operator.privateKey,
          TOPIC_ID: topicId,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    expect(exit, stderr).toEqual({ code: null, signal: 'SIGKILL' });

    // The message is on the topic, but the crashed sender never stored the receipt.
    expect(await allTopicMessages(ledger, topicId)).toHaveLength(1);
    const entry = createOutboxRepository(database.db).findByRound(summary.roundId)!;
    expect(entry.status).toBe('sent');
    expect(entry.sequenceNumber).toBeNull();

    await worker().drain();

    const round = createRoundRepository(database.db).findById(summary.roundId)!;
    expect(round.ledgerStatus).toBe('confirmed');
    expect(round.ledgerSequence).toBe(1);
    expect(round.ledgerTransactionId).toBe(entry.transactionId);
    expect(await allTopicMessages(ledger, topicId)).toHaveLength(1);
  }, 30_000);
});
