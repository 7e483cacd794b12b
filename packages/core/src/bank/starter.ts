import { createBankRepository, createSettingsRepository } from '@tensornode/db';
import type { CoreContext } from '../context.ts';
import { promptKey } from './prompt-key.ts';
import { generateStarterBank } from './starter-bank.ts';

export const STARTER_BANK_SETTING = 'bank.starter_loaded';

/**
 * Loads the generated starter bank on a database's first start, so embedded defaults have
 * questions to ask. Once only: questions an admin retired stay retired across restarts.
 */
export function ensureStarterBank(ctx: CoreContext): number {
  return ctx.db.transaction(
    (tx) => {
      const settings = createSettingsRepository(tx);
      if (settings.get(STARTER_BANK_SETTING)) return 0;
      const inserted = createBankRepository(tx).insertNew(
        generateStarterBank().map((q) => ({ ...q, promptKey: promptKey(q.prompt), source: 'starter' })),
      );
      settings.set(STARTER_BANK_SETTING, new Date().toISOString());
      if (inserted > 0) ctx.log.info({ questions: inserted }, 'starter question bank loaded');
      return inserted;
    },
    { behavior: 'immediate' },
  );
}
