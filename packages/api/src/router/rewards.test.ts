import { findRewardTokenId } from '@tensornode/core/rewards';
import { createMinerScoreRepository } from '@tensornode/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppServices } from '../services.ts';
import { callerAs, createTestServices } from '../testing.ts';

let services: AppServices;

beforeAll(async () => {
  ({ services } = await createTestServices({ ledger: true, env: { REWARD_DAILY_EMISSION: '1000' } }));
}, 30_000);
afterAll(async () => services?.close());

const today = () => new Date().toISOString().slice(0, 10);

describe('rewards router', () => {
  it('validates the epoch: format, real day, not in the future', async () => {
    const operator = callerAs(services, 'operator');
    await expect(operator.rewards.preview({ epoch: '2026-13-01' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await expect(operator.rewards.preview({ epoch: 'yesterday' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await expect(operator.rewards.preview({ epoch: '2999-01-01' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/future/),
    });
  });

  it('previews for operators, distributes for admins only, and runs an epoch once', async () => {
    await expect(callerAs(services, 'viewer').rewards.preview({ epoch: today() })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(callerAs(services, 'operator').rewards.distribute({ epoch: today() })).rejects.toMatchObject(
      {
        code: 'FORBIDDEN',
      },
    );
    // The embedded devnet created the reward token on first start.
    expect(findRewardTokenId(services)).toMatch(/^0\.0\.\d+$/);
    createMinerScoreRepository(services.db).upsert([
      {
        minerAddress: '0.0.98765',
        emaScore: 60,
        rounds: 1,
        answered: 1,
        lastScore: 60,
        lastSeenAt: new Date(),
      },
      { minerAddress: 'vm:x', emaScore: 99, rounds: 1, answered: 1, lastScore: 99, lastSeenAt: new Date() },
    ]);
    const preview = await callerAs(services, 'operator').rewards.preview({ epoch: today() });
    expect(preview).toMatchObject({
      status: 'not_run',
      emission: '1000',
      payouts: [{ minerAddress: '0.0.98765', amount: '1000', status: 'planned' }],
    });

    const first = await callerAs(services, 'admin').rewards.distribute({ epoch: today() });
    expect(first.status).toBe('distributed');
    // The account does not exist on the devnet: recorded unpaid with the ledger's reason.
    expect(first.payouts[0]).toMatchObject({
      minerAddress: '0.0.98765',
      status: 'unpaid',
      reason: expect.stringMatching(/INVALID_ACCOUNT_ID|TOKEN_NOT_ASSOCIATED/),
    });
    const second = await callerAs(services, 'admin').rewards.distribute({ epoch: today() });
    expect(second.emission).toBe('1000');
    expect(second.distributed).toBe('0');
  });

  it('pays a miner that can receive the token its share, once, across two runs', async () => {
    const { ledger } = services.ledger!;
    const tokenId = findRewardTokenId(services)!;
    const miner = await ledger.createAccount({ initialHbar: 5 });
    await ledger.associate(miner.accountId, miner.privateKey, [tokenId]);
    createMinerScoreRepository(services.db).upsert([
      {
        minerAddress: miner.accountId,
        emaScore: 75,
        rounds: 2,
        answered: 2,
        lastScore: 75,
        lastSeenAt: new Date(),
      },
    ]);
    const epoch = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10); // an epoch of its own
    const planned = await callerAs(services, 'operator').rewards.preview({ epoch });
    const share = planned.payouts.find((p) => p.minerAddress === miner.accountId)!;
    expect(BigInt(share.amount)).toBeGreaterThan(0n);

    const first = await callerAs(services, 'admin').rewards.distribute({ epoch });
    expect(first.payouts.find((p) => p.minerAddress === miner.accountId)?.status).toBe('paid');
    const second = await callerAs(services, 'admin').rewards.distribute({ epoch });
    expect(second.payouts.find((p) => p.minerAddress === miner.accountId)?.status).toBe('paid');
    expect((await ledger.balance(miner.accountId)).tokens[tokenId]).toBe(BigInt(share.amount));
  });
});
