import { InvalidInputError } from '../errors.ts';

export const EPOCH_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** The UTC day of `at`, `YYYY-MM-DD`: the default epoch. */
export function epochOf(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** Checks an epoch is a real UTC day, not in the future. */
export function parseEpoch(epoch: string, now: Date): string {
  if (!EPOCH_PATTERN.test(epoch)) throw new InvalidInputError('epoch', 'expected a UTC day as YYYY-MM-DD');
  const day = new Date(`${epoch}T00:00:00.000Z`);
  if (Number.isNaN(day.getTime()) || epochOf(day) !== epoch)
    throw new InvalidInputError('epoch', `${epoch} is not a calendar date`);
  if (epoch > epochOf(now)) throw new InvalidInputError('epoch', `${epoch} is in the future`);
  return epoch;
}
