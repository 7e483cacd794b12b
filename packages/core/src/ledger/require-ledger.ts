import { UnavailableError } from '../errors.ts';
import type { RunningLedger } from './embedded.ts';

/** The running ledger, or an UnavailableError when this instance was started without one. */
export function requireLedger(ctx: { ledger: RunningLedger | null | undefined }): RunningLedger {
  if (!ctx.ledger) throw new UnavailableError('the ledger is not running in this instance');
  return ctx.ledger;
}
