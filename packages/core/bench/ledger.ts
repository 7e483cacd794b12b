/**
 * Ledger outbox against the devnet (in this process, gRPC + mirror on loopback, real SDK):
 *   - steady: rounds enqueued and drained in batches → submissions per second (send + receipt)
 *   - backlog: 1,000 entries pending (recorded while the node was down), then drained
 * Each with the worker's default concurrency and with one lane, in a temp-file SQLite.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@tensornode/db';
import { startDevnet } from '@tensornode/devnet';
import { silentLogger } from '../src/context.ts';
import { createOutboxHook, createOutboxWorker } from '../src/ledger/outbox.ts';
import { allTopicMessages, devnetLedger, recordTestRound } from '../src/ledger/testing.ts';

async function scenario(name: string, count: number, concurrency: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tensornode-bench-ledger-'));
  const devnet = await startDevnet({ dbPath: join(dir, 'devnet.db') });
  const ledger = await devnetLedger(devnet);
  const database = openDatabase({ path: join(dir, 'tensornode.db') });
  try {
    const topicId = await ledger.createTopic('bench');
    const hook = createOutboxHook({ topicId });
    const answers = Array.from({ length: 5 }, (_, i) => ({
      vmId: `vm-${i}`,
      minerAddress: `0.0.${5000 + i}`,
      score: 50 + i,
      ok: true,
    }));
    for (let i = 0; i < count; i++) recordTestRound(database.db, hook, { answers });
    const worker = createOutboxWorker({ db: database.db, ledger, topicId, log: silentLogger, concurrency });
    const started = performance.now();
    await worker.drain({ timeoutMs: 600_000 });
    const seconds = (performance.now() - started) / 1000;
    const onTopic = (await allTopicMessages(ledger, topicId)).length;
    console.log(
      `${name.padEnd(34)} ${String(count).padStart(5)} entries  concurrency ${String(concurrency).padStart(2)}  ` +
        `${seconds.toFixed(2).padStart(7)} s  ${(count / seconds).toFixed(0).padStart(5)} submissions/s  on topic: ${onTopic}`,
    );
    await worker.stop();
  } finally {
    database.close();
    await ledger.close();
    await devnet.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  await scenario('steady (200 rounds)', 200, 8);
  await scenario('steady (200 rounds), one lane', 200, 1);
  await scenario('drain 1,000 pending', 1000, 8);
  await scenario('drain 1,000 pending, one lane', 1000, 1);
}
