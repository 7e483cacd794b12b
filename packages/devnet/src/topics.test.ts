import type { Client } from '@hashgraph/sdk';
import { TopicCreateTransaction, TopicInfoQuery, TopicMessageSubmitTransaction } from '@hashgraph/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Devnet, startDevnet } from './devnet.ts';
import { nextRunningHash } from './running-hash.ts';
import { clientFor, getJson } from './testing.ts';

interface MirrorMessage {
  consensus_timestamp: string;
  message: string;
  running_hash: string;
  running_hash_version: number;
  sequence_number: number;
  payer_account_id: string;
  topic_id: string;
  chunk_info: {
    initial_transaction_id: { account_id: string; transaction_valid_start: string };
    number: number;
    total: number;
  } | null;
}

let devnet: Devnet;
let client: Client;

beforeAll(async () => {
  devnet = await startDevnet({ dbPath: ':memory:' });
  client = await clientFor(devnet);
});

afterAll(async () => {
  client?.close();
  await devnet?.stop();
});

describe('topics through the SDK', () => {
  it('creates a topic and submits a message: sequence 1 and the running hash of HCS version 3', async () => {
    const created = await (
      await new TopicCreateTransaction().setTopicMemo('scores').execute(client)
    ).getReceipt(client);
    const topicId = created.topicId?.toString();
    expect(topicId).toMatch(/^0\.0\.\d+$/);

    const response = await new TopicMessageSubmitTransaction({ topicId, message: 'hello' }).execute(client);
    const receipt = await response.getReceipt(client);
    expect(receipt.status.toString()).toBe('SUCCESS');
    expect(receipt.topicSequenceNumber?.toNumber()).toBe(1);

    const { body } = await getJson<MirrorMessage>(`${devnet.mirrorUrl}/api/v1/topics/${topicId}/messages/1`);
    const [seconds, nanos] = body.consensus_timestamp.split('.').map(Number);
    const expected = nextRunningHash({
      previousRunningHash: new Uint8Array(48),
      payerAccountNum: Number(devnet.operator.accountId.split('.')[2]),
      topicNum: Number(topicId?.split('.')[2]),
      consensusSeconds: seconds ?? 0,
      consensusNanos: nanos ?? 0,
      sequenceNumber: 1,
      message: new TextEncoder().encode('hello'),
    });
    expect(Buffer.from(receipt.topicRunningHash ?? []).toString('hex')).toBe(expected.toString('hex'));
    const info = await new TopicInfoQuery().setTopicId(topicId ?? '').execute(client);
    expect(info.topicMemo).toBe('scores');
    expect(info.sequenceNumber.toNumber()).toBe(1);
    expect(Buffer.from(info.runningHash).equals(expected)).toBe(true);

    expect(body).toMatchObject({
      sequence_number: 1,
      topic_id: topicId,
      payer_account_id: devnet.operator.accountId,
      message: Buffer.from('hello').toString('base64'),
      running_hash: expected.toString('base64'),
      running_hash_version: 3,
      // The SDK sends chunk info even for a single chunk, and the mirror node shows it.
      chunk_info: { number: 1, total: 1 },
    });
  });

  it('splits a 3 KB message into 3 chunks, each its own topic message, readable in order from the mirror', async () => {
    const topicId = (
      await (await new TopicCreateTransaction().execute(client)).getReceipt(client)
    ).topicId?.toString();
    const message = Buffer.from(
      Array.from({ length: 3000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join(''),
    );

    const responses = await new TopicMessageSubmitTransaction({ topicId, message }).executeAll(client);
    expect(responses).toHaveLength(3);
    const receipts = await Promise.all(responses.map((r) => r.getReceipt(client)));
    expect(receipts.map((r) => r.topicSequenceNumber?.toNumber())).toEqual([1, 2, 3]);

    const { status, body } = await getJson<{ messages: MirrorMessage[] }>(
      `${devnet.mirrorUrl}/api/v1/topics/${topicId}/messages`,
    );
    expect(status).toBe(200);
    expect(body.messages.map((m) => m.chunk_info?.number)).toEqual([1, 2, 3]);
    expect(body.messages.every((m) => m.chunk_info?.total === 3)).toBe(true);
    const initial = body.messages[0]?.chunk_info?.initial_transaction_id;
    expect(
      body.messages.every(
        (m) =>
          m.chunk_info?.initial_transaction_id.transaction_valid_start === initial?.transaction_valid_start,
      ),
    ).toBe(true);
    const reassembled = Buffer.concat(body.messages.map((m) => Buffer.from(m.message, 'base64')));
    expect(reassembled.equals(message)).toBe(true);
  });
});
