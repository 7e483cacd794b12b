import { z } from 'zod';

/**
 * A miner, wallet or payee account: the seed's rule `0.0.N` (shard and realm 0, as on Hedera's
 * public networks), kept by the SPEC. Topic and token ids in configuration are general entity ids.
 */
export const HEDERA_ACCOUNT_PATTERN = /^0\.0\.\d+$/;

export const hederaAccountSchema = z
  .string()
  .regex(HEDERA_ACCOUNT_PATTERN, 'must be a Hedera account id like 0.0.1234');
