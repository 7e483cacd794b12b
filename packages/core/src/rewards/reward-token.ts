import { createSettingsRepository } from '@tensornode/db';
import type { CoreContext } from '../context.ts';
import { ConflictError, InvalidInputError, UnavailableError } from '../errors.ts';
import type { Ledger } from '../ledger/ledger.ts';

export const REWARD_TOKEN_SETTING = 'reward_token_id';

export interface RewardsContext extends CoreContext {
  ledger: Ledger;
}

/** REWARD_TOKEN_ID when configured, else the token `createRewardToken` stored; undefined when neither. */
export function findRewardTokenId(ctx: Pick<CoreContext, 'db' | 'config'>): string | undefined {
  return ctx.config.REWARD_TOKEN_ID ?? createSettingsRepository(ctx.db).get(REWARD_TOKEN_SETTING);
}

export function requireRewardTokenId(ctx: Pick<CoreContext, 'db' | 'config'>): string {
  const tokenId = findRewardTokenId(ctx);
  if (!tokenId)
    throw new UnavailableError('no reward token: run `tensornode token create` or set REWARD_TOKEN_ID');
  return tokenId;
}

export interface CreateRewardTokenInput {
  name: string;
  symbol: string;
  decimals: number;
  initialSupply?: bigint;
}

/** Creates the reward token (treasury and supply key: the operator) and remembers its id. */
export async function createRewardToken(
  ctx: RewardsContext,
  input: CreateRewardTokenInput,
): Promise<{ tokenId: string }> {
  if (ctx.config.REWARD_TOKEN_ID)
    throw new ConflictError(
      `REWARD_TOKEN_ID is configured (${ctx.config.REWARD_TOKEN_ID}); unset it to create a new token`,
    );
  const existing = createSettingsRepository(ctx.db).get(REWARD_TOKEN_SETTING);
  if (existing) throw new ConflictError(`the reward token already exists: ${existing}`);
  if (input.name.trim() === '' || input.name.length > 100)
    throw new InvalidInputError('name', 'must be 1–100 characters');
  if (!/^[A-Za-z0-9]{1,16}$/.test(input.symbol))
    throw new InvalidInputError('symbol', 'must be 1–16 letters or digits');
  if (!Number.isInteger(input.decimals) || input.decimals < 0 || input.decimals > 18) {
    throw new InvalidInputError('decimals', 'must be an integer from 0 to 18');
  }
  if (input.initialSupply !== undefined && input.initialSupply < 0n)
    throw new InvalidInputError('initialSupply', 'must not be negative');
  const tokenId = await ctx.ledger.createToken(input);
  createSettingsRepository(ctx.db).set(REWARD_TOKEN_SETTING, tokenId);
  ctx.log.info({ tokenId, symbol: input.symbol }, 'reward token created');
  return { tokenId };
}
