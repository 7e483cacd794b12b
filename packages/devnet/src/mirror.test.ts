import type { Client } from '@hashgraph/sdk';
import { TopicCreateTransaction, TopicMessageSubmitTransaction } from '@hashgraph/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Devnet, startDevnet } from './devnet.ts';
import { clientFor, getJson } from './testing.ts';

interface Page {
  messages: Array<{ sequence_number: number; consensus_timestamp: string; message: string }>;
  links: { next: string | null };
}

let devnet: Devnet;
let client: Client;
let topicId: string;

beforeAll(async () => {
  devnet = await startDevnet({ dbPath: ':memory:' });
  client = await clientFor(devnet);
  topicId = String((await (await new TopicCreateTransaction().execute(client)).getReceipt(client)).topicId);
  for (let i = 1; i <= 5; i++) {
    await (await new TopicMessageSubmitTransaction({ topicId, message: `m${i}` }).execute(client)).getReceipt(
      client,
    );
  }
});

afterAll(async () => {
  client?.close();
  await devnet?.stop();
});

const sequences = (page: Page) => page.messages.map((m) => m.sequence_number);
const messages = (query: string) =>
  getJson<Page>(`${devnet.mirrorUrl}/api/v1/topics/${topicId}/messages${query}`);

describe('mirror REST API', () => {
  it('pages through 5 messages two at a time by following links.next', async () => {
    const seen: number[] = [];
    let next: string | null = `/api/v1/topics/${topicId}/messages?limit=2`;
    let pages = 0;
    while (next) {
      const { body }: { body: Page } = await getJson<Page>(`${devnet.mirrorUrl}${next}`);
      seen.push(...sequences(body));
      next = body.links.next;
      pages += 1;
      expect(pages).toBeLessThan(10);
    }
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('orders descending and pages backwards', async () => {
    const first = (await messages('?limit=2&order=desc')).body;
    expect(sequences(first)).toEqual([5, 4]);
    const second = (await getJson<Page>(`${devnet.mirrorUrl}${first.links.next}`)).body;
    expect(sequences(second)).toEqual([3, 2]);
  });

  it('filters by sequence number and timestamp operators', async () => {
    expect(sequences((await messages('?sequencenumber=gt:3')).body)).toEqual([4, 5]);
    expect(sequences((await messages('?sequencenumber=gte:2&sequencenumber=lt:4')).body)).toEqual([2, 3]);
    expect(sequences((await messages('?sequencenumber=4')).body)).toEqual([4]);
    const all = (await messages('')).body;
    const third = all.messages[2]?.consensus_timestamp;
    expect(sequences((await messages(`?timestamp=lte:${third}`)).body)).toEqual([1, 2, 3]);
    expect(sequences((await messages(`?timestamp=gt:${third}`)).body)).toEqual([4, 5]);
    expect(sequences((await messages(`?timestamp=${third}`)).body)).toEqual([3]);
  });

  it('keeps an upper bound when paging with links.next', async () => {
    const first = (await messages('?limit=2&sequencenumber=lte:3')).body;
    expect(sequences(first)).toEqual([1, 2]);
    const second = (await getJson<Page>(`${devnet.mirrorUrl}${first.links.next}`)).body;
    expect(sequences(second)).toEqual([3]);
    expect(second.links.next).toBeNull();
  });

  it('returns one message by sequence number, decoded as base64', async () => {
    const { status, body } = await getJson<{ sequence_number: number; message: string }>(
      `${devnet.mirrorUrl}/api/v1/topics/${topicId}/messages/4`,
    );
    expect(status).toBe(200);
    expect(body.sequence_number).toBe(4);
    expect(Buffer.from(body.message, 'base64').toString()).toBe('m4');
  });

  it('answers 404 for an unknown topic or sequence number and 400 for bad parameters', async () => {
    const notFound = { _status: { messages: [{ message: 'Not found' }] } };
    expect(await getJson(`${devnet.mirrorUrl}/api/v1/topics/0.0.999999/messages`)).toEqual({
      status: 404,
      body: notFound,
    });
    expect(await getJson(`${devnet.mirrorUrl}/api/v1/topics/${topicId}/messages/99`)).toEqual({
      status: 404,
      body: notFound,
    });
    for (const bad of [
      '?limit=0',
      '?limit=abc',
      '?order=sideways',
      '?sequencenumber=gt:x',
      '?sequencenumber=ne:3',
      '?timestamp=yesterday',
      '?colour=red',
    ]) {
      const { status, body } = await messages(bad);
      expect(status, bad).toBe(400);
      expect(body).toHaveProperty('_status.messages.0.message');
    }
    expect((await getJson(`${devnet.mirrorUrl}/api/v1/topics/not-a-topic/messages`)).status).toBe(400);
  });

  it('caps limit at 100', async () => {
    const { status, body } = await messages('?limit=1000');
    expect(status).toBe(200);
    expect(sequences(body)).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('mirror transactions', () => {
  interface Transactions {
    transactions: Array<{
      transaction_id: string;
      consensus_timestamp: string;
      result: string;
      nonce: number;
    }>;
  }

  it('lists the newest transaction and looks one up by id, in the mirror node format', async () => {
    const response = await new TopicMessageSubmitTransaction({ topicId, message: 'tx' }).execute(client);
    await response.getReceipt(client);
    const [account, start] = response.transactionId.toString().split('@') as [string, string];
    const mirrorId = `${account}-${start.replace('.', '-')}`;
    const { body: latest } = await getJson<Transactions>(
      `${devnet.mirrorUrl}/api/v1/transactions?limit=1&order=desc`,
    );
    expect(latest.transactions).toHaveLength(1);
    expect(latest.transactions[0]).toMatchObject({ transaction_id: mirrorId, result: 'SUCCESS', nonce: 0 });
    const { status, body } = await getJson<Transactions>(
      `${devnet.mirrorUrl}/api/v1/transactions/${mirrorId}`,
    );
    expect(status).toBe(200);
    expect(body.transactions[0]?.consensus_timestamp).toBe(latest.transactions[0]?.consensus_timestamp);
    expect((await getJson(`${devnet.mirrorUrl}/api/v1/transactions/${account}-1-000000000`)).status).toBe(
      404,
    );
  });

  it('shows nothing past the held time while it lags, and everything once it catches up', async () => {
    const { body: before } = await getJson<Transactions>(`${devnet.mirrorUrl}/api/v1/transactions?limit=1`);
    const newest = before.transactions[0]!;
    devnet.holdMirror(new Date(Date.now() - 3_600_000));
    try {
      const { body: held } = await getJson<Transactions>(`${devnet.mirrorUrl}/api/v1/transactions?limit=1`);
      expect(held.transactions).toEqual([]);
      expect((await getJson(`${devnet.mirrorUrl}/api/v1/transactions/${newest.transaction_id}`)).status).toBe(
        404,
      );
    } finally {
      devnet.holdMirror(null);
    }
    const { body: after } = await getJson<Transactions>(`${devnet.mirrorUrl}/api/v1/transactions?limit=1`);
    expect(after.transactions[0]).toEqual(newest);
  });
});
