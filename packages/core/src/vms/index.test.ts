import { openDatabase } from '@tensornode/db';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config.ts';
import { silentLogger } from '../context.ts';
import { createVmProvider } from './index.ts';

describe('createVmProvider', () => {
  it('picks Fluence when a key is configured and local otherwise', async () => {
    const handle = openDatabase({ path: ':memory:' });
    try {
      const fluence = createVmProvider(parseConfig({ FLUENCE_API_KEY: 'k'.repeat(32) }), {
        db: handle.db,
        log: silentLogger,
      });
      expect(fluence.name).toBe('fluence');
      const local = createVmProvider(parseConfig({}), { db: handle.db, log: silentLogger });
      expect(local.name).toBe('local');
      expect(await local.list()).toEqual([]);
      await local.close();
    } finally {
      handle.close();
    }
  });
});
