import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AccountId,
  type Client,
  PrivateKey,
  Status,
  Timestamp,
  TopicCreateTransaction,
  TopicMessageSubmitTransaction,
  Transaction,
  TransactionId,
} from '@hashgraph/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Devnet, startDevnet } from './devnet.ts';
import { nextRunningHash } from './running-hash.ts';
import { clientFor, getJson } from './testing.ts';

let dir: string;
let devnet: Devnet;
let client: Client;
let topicId: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'devnet-'));
  devnet = await startDevnet({ dbPath: join(dir, 'devnet.sqlite') });
  client = await clientFor(devnet);
  topicId = String((await (await new TopicCreateTransaction().execute(client)).getReceipt(client)).topicId);
});

afterAll(async () => {
  client?.close();
  await devnet?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The status the SDK surfaces for a rejected transaction (precheck or receipt). */
async function rejection(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, 'expected the transaction to be rejected').not.toBeNull();
  return String((error as { status?: Status }).status);
}

const submit = (message: string) => new TopicMessageSubmitTransaction({ topicId, message });

describe('transaction rules', () => {
  it('rejects the same signed bytes sent twice with DUPLICATE_TRANSACTION, and the receipt stays readable', async () => {
    const signed = await submit('once').freezeWith(client).signWithOperator(client);
    const bytes = signed.toBytes();
    const first = await signed.execute(client);
    expect((await first.getReceipt(client)).status).toBe(Status.Success);

    expect(await rejection(Transaction.fromBytes(bytes).execute(client))).toBe(
      Status.DuplicateTransaction.toString(),
    );
    const receipt = await first.getReceipt(client);
    expect(receipt.topicSequenceNumber?.toNumber()).toBeGreaterThan(0);
  });

  it('rejects a transaction signed by the wrong key with INVALID_SIGNATURE', async () => {
    const { AccountId: Id, Client: SdkClient } = await import('@hashgraph/sdk');
    const impostor = SdkClient.forNetwork(
      { [devnet.grpcEndpoint]: Id.fromString('0.0.3') },
      { scheduleNetworkUpdate: false },
    );
    impostor.setOperator(AccountId.fromString(devnet.operator.accountId), PrivateKey.generateED25519());
    try {
      expect(await rejection(submit('forged').execute(impostor))).toBe(Status.InvalidSignature.toString());
    } finally {
      impostor.close();
    }
  });

  it('rejects a transaction outside its validity window', async () => {
    const operator = AccountId.fromString(devnet.operator.accountId);
    const at = (offsetSeconds: number) =>
      TransactionId.withValidStart(operator, Timestamp.fromDate(new Date(Date.now() + offsetSeconds * 1000)));
    const expired = submit('late').setTransactionId(at(-200));
    expect(await rejection(expired.execute(client))).toBe(Status.TransactionExpired.toString());
    const early = submit('early').setTransactionId(at(60));
    expect(await rejection(early.execute(client))).toBe(Status.InvalidTransactionStart.toString());
  });

  it('keeps the chain across a restart: the sequence continues and the running hash chains', async () => {
    const before = await (await submit('before restart').execute(client)).getReceipt(client);
    const sequence = before.topicSequenceNumber?.toNumber() ?? 0;

    await devnet.stop();
    await devnet.restart();

    const after = await (await submit('after restart').execute(client)).getReceipt(client);
    expect(after.topicSequenceNumber?.toNumber()).toBe(sequence + 1);

    const { body } = await getJson<{ consensus_timestamp: string; running_hash: string }>(
      `${devnet.mirrorUrl}/api/v1/topics/${topicId}/messages/${sequence + 1}`,
    );
    const [seconds, nanos] = body.consensus_timestamp.split('.').map(Number);
    const expected = nextRunningHash({
      previousRunningHash: before.topicRunningHash ?? new Uint8Array(),
      payerAccountNum: 2,
      topicNum: Number(topicId.split('.')[2]),
      consensusSeconds: seconds ?? 0,
      consensusNanos: nanos ?? 0,
      sequenceNumber: sequence + 1,
      message: new TextEncoder().encode('after restart'),
    });
    expect(Buffer.from(after.topicRunningHash ?? []).equals(expected)).toBe(true);
    expect(body.running_hash).toBe(expected.toString('base64'));
  });
});
