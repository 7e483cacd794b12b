import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './client.ts';
import { createSettingsRepository } from './repositories/settings.ts';
import { minerAnswers } from './schema.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tensornode-db-'));
  dirs.push(dir);
  return join(dir, 'nested', 'tensornode.db');
}

describe('openDatabase', () => {
  it('creates the file with WAL, a busy timeout and foreign keys on, with every table migrated', () => {
    const handle = openDatabase({ path: tempFile(), busyTimeoutMs: 1234 });
    expect(handle.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(handle.sqlite.pragma('busy_timeout', { simple: true })).toBe(1234);
    expect(handle.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    // 2 = FULL: a commit is on disk (WAL synced) before it returns, so a power cut keeps it.
    expect(handle.sqlite.pragma('synchronous', { simple: true })).toBe(2);
    const tables = handle.sqlite
      .prepare(
        "select name from sqlite_master where type = 'table' and name not like '\\_\\_%' escape '\\' and name != 'sqlite_sequence'",
      )
      .pluck()
      .all();
    expect(tables).toEqual(
      expect.arrayContaining([
        'api_tokens',
        'deployments',
        'local_vms',
        'validation_rounds',
        'miner_answers',
        'miner_scores',
        'miner_score_history',
        'ledger_outbox',
        'reward_epochs',
        'reward_payouts',
        'jobs',
        'settings',
      ]),
    );
    handle.close();
  });

  it('keeps what was written across a reopen, and migrating twice changes nothing', () => {
    const path = tempFile();
    const first = openDatabase({ path });
    createSettingsRepository(first.db).set('score_topic_id', '0.0.1001');
    first.close();

    const second = openDatabase({ path });
    expect(createSettingsRepository(second.db).get('score_topic_id')).toBe('0.0.1001');
    second.close();
  });

  it('creates the database file and its WAL readable by its owner only (mode 0600)', () => {
    const path = tempFile();
    const handle = openDatabase({ path });
    createSettingsRepository(handle.db).set('probe', 'x');
    for (const file of [path, `${path}-wal`, `${path}-shm`].filter((f) => existsSync(f))) {
      expect({ file, mode: statSync(file).mode & 0o777 }).toEqual({ file, mode: 0o600 });
    }
    expect(existsSync(`${path}-wal`)).toBe(true);
    handle.close();
  });

  it('refuses an answer that points at no round (foreign keys enforced)', () => {
    const handle = openDatabase({ path: ':memory:' });
    expect(() =>
      handle.db
        .insert(minerAnswers)
        .values({
          roundId: 'missing',
          vmId: 'vm',
          endpoint: 'http://127.0.0.1:1/api/chat',
          ok: false,
          latencyMs: 1,
          score: 0,
          method: 'none',
        })
        .run(),
    ).toThrow(/FOREIGN KEY/);
    handle.close();
  });
});
