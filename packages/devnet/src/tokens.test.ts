import {
  AccountBalanceQuery,
  AccountCreateTransaction,
  AccountId,
  type Client,
  Hbar,
  PrivateKey,
  Status,
  TokenAssociateTransaction,
  TokenCreateTransaction,
  TokenInfoQuery,
  TokenMintTransaction,
  TransferTransaction,
} from '@hashgraph/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Devnet, startDevnet } from './devnet.ts';
import { clientFor, getJson } from './testing.ts';

let devnet: Devnet;
let client: Client;
let operator: AccountId;
const supplyKey = PrivateKey.generateED25519();

beforeAll(async () => {
  devnet = await startDevnet({ dbPath: ':memory:' });
  client = await clientFor(devnet);
  operator = AccountId.fromString(devnet.operator.accountId);
});

afterAll(async () => {
  client?.close();
  await devnet?.stop();
});

/** The receipt's status, whether the SDK returned or threw it. */
async function receiptStatus(tx: {
  execute(c: Client): Promise<{ getReceipt(c: Client): Promise<{ status: Status }> }>;
}) {
  try {
    return String((await (await tx.execute(client)).getReceipt(client)).status);
  } catch (error) {
    return String((error as { status?: Status }).status);
  }
}

async function createToken(): Promise<string> {
  const tx = await new TokenCreateTransaction()
    .setTokenName('TensorNode Reward')
    .setTokenSymbol('TNR')
    .setDecimals(2)
    .setInitialSupply(0)
    .setTreasuryAccountId(operator)
    .setSupplyKey(supplyKey.publicKey)
    .freezeWith(client);
  const receipt = await (await tx.execute(client)).getReceipt(client);
  return String(receipt.tokenId);
}

async function mint(tokenId: string, amount: number, key: PrivateKey) {
  const tx = await new TokenMintTransaction()
    .setTokenId(tokenId)
    .setAmount(amount)
    .freezeWith(client)
    .sign(key);
  return (await tx.execute(client)).getReceipt(client);
}

async function newAccount() {
  const key = PrivateKey.generateED25519();
  const receipt = await (
    await new AccountCreateTransaction()
      .setKeyWithoutAlias(key.publicKey)
      .setInitialBalance(new Hbar(5))
      .execute(client)
  ).getReceipt(client);
  return { id: receipt.accountId as AccountId, key };
}

const transfer = (tokenId: string, to: AccountId, amount: number) =>
  new TransferTransaction()
    .addTokenTransfer(tokenId, operator, -amount)
    .addTokenTransfer(tokenId, to, amount);

async function tokenBalance(account: AccountId, tokenId: string): Promise<number> {
  const balance = await new AccountBalanceQuery().setAccountId(account).execute(client);
  return balance.tokens?.get(tokenId)?.toNumber() ?? 0;
}

describe('tokens through the SDK', () => {
  it('creates a token, mints with the supply key, associates, transfers, and reports balances', async () => {
    const tokenId = await createToken();
    expect(tokenId).toMatch(/^0\.0\.\d+$/);

    const minted = await mint(tokenId, 100_000, supplyKey);
    expect(minted.status).toBe(Status.Success);
    expect(minted.totalSupply?.toNumber()).toBe(100_000);

    const info = await new TokenInfoQuery().setTokenId(tokenId).execute(client);
    expect({ symbol: info.symbol, decimals: info.decimals, supply: info.totalSupply.toNumber() }).toEqual({
      symbol: 'TNR',
      decimals: 2,
      supply: 100_000,
    });
    expect(info.treasuryAccountId?.toString()).toBe(devnet.operator.accountId);

    const miner = await newAccount();
    const hbars = await new AccountBalanceQuery().setAccountId(miner.id).execute(client);
    expect(hbars.hbars.toTinybars().toNumber()).toBe(5 * 1e8);

    expect(await receiptStatus(transfer(tokenId, miner.id, 10))).toBe(
      Status.TokenNotAssociatedToAccount.toString(),
    );

    const associate = await new TokenAssociateTransaction()
      .setAccountId(miner.id)
      .setTokenIds([tokenId])
      .freezeWith(client)
      .sign(miner.key);
    expect(await receiptStatus(associate)).toBe(Status.Success.toString());

    expect(await receiptStatus(transfer(tokenId, miner.id, 2_500))).toBe(Status.Success.toString());
    expect(await tokenBalance(miner.id, tokenId)).toBe(2_500);
    expect(await tokenBalance(operator, tokenId)).toBe(97_500);

    const { body } = await getJson<{ balances: Array<{ account: string; balance: number }> }>(
      `${devnet.mirrorUrl}/api/v1/tokens/${tokenId}/balances`,
    );
    expect(body.balances.reduce((total, b) => total + b.balance, 0)).toBe(100_000);
  });

  it('refuses what Hedera refuses: a mint without the supply key, overdrafts, association without the account key', async () => {
    const tokenId = await createToken();
    const unsigned = await new TokenMintTransaction().setTokenId(tokenId).setAmount(5).execute(client);
    await expect(unsigned.getReceipt(client)).rejects.toMatchObject({ status: Status.InvalidSignature });

    await mint(tokenId, 100, supplyKey);
    const miner = await newAccount();
    expect(
      await receiptStatus(new TokenAssociateTransaction().setAccountId(miner.id).setTokenIds([tokenId])),
    ).toBe(Status.InvalidSignature.toString());

    const associate = await new TokenAssociateTransaction()
      .setAccountId(miner.id)
      .setTokenIds([tokenId])
      .freezeWith(client)
      .sign(miner.key);
    await (await associate.execute(client)).getReceipt(client);
    expect(await receiptStatus(transfer(tokenId, miner.id, 101))).toBe(
      Status.InsufficientTokenBalance.toString(),
    );

    // The miner cannot move tokens out of the treasury: the debit needs the treasury's signature.
    const minerClient = await clientFor(devnet, {
      accountId: miner.id.toString(),
      privateKey: miner.key.toStringDer(),
    });
    try {
      const theft = new TransferTransaction()
        .addTokenTransfer(tokenId, operator, -10)
        .addTokenTransfer(tokenId, miner.id, 10);
      const response = await theft.execute(minerClient);
      await expect(response.getReceipt(minerClient)).rejects.toMatchObject({
        status: Status.InvalidSignature,
      });
    } finally {
      minerClient.close();
    }
    expect(await tokenBalance(miner.id, tokenId)).toBe(0);
  });

  it('creates funded accounts directly for tests', async () => {
    const account = await devnet.createAccount({ initialHbar: 12 });
    expect(account.privateKey).toMatch(/^302e/);
    const balance = await new AccountBalanceQuery().setAccountId(account.accountId).execute(client);
    expect(balance.hbars.toTinybars().toNumber()).toBe(12 * 1e8);
  });
});
