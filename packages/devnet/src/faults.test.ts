import { type Client, TopicCreateTransaction, TopicMessageSubmitTransaction } from '@hashgraph/sdk';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Devnet, startDevnet } from './devnet.ts';
import { clientFor, getJson } from './testing.ts';

let devnet: Devnet;
let client: Client;
let topicId: string;

beforeAll(async () => {
  devnet = await startDevnet({ dbPath: ':memory:' });
  const setup = await clientFor(devnet);
  topicId = String((await (await new TopicCreateTransaction().execute(setup)).getReceipt(setup)).topicId);
  setup.close();
});

// A fresh client per test: the SDK backs off from a node after it answered UNAVAILABLE.
beforeEach(async () => {
  client = await clientFor(devnet);
});

afterEach(() => {
  devnet.clearFault();
  client.close();
});

afterAll(async () => {
  await devnet?.stop();
});

const submit = (message: string) => new TopicMessageSubmitTransaction({ topicId, message });

async function messagesOnTopic(): Promise<string[]> {
  const { body } = await getJson<{ messages: Array<{ message: string }> }>(
    `${devnet.mirrorUrl}/api/v1/topics/${topicId}/messages?limit=100`,
  );
  return body.messages.map((m) => Buffer.from(m.message, 'base64').toString());
}

describe('injected faults', () => {
  it('answers BUSY until the fault clears; the SDK retries and the message lands once', async () => {
    devnet.setFault({ mode: 'busy', count: 2 });
    const receipt = await (await submit('busy-then-ok').execute(client)).getReceipt(client);
    expect(receipt.status.toString()).toBe('SUCCESS');
    expect((await messagesOnTopic()).filter((m) => m === 'busy-then-ok')).toHaveLength(1);
  });

  it('keeps answering BUSY while the fault lasts, so a client with few attempts gives up', async () => {
    devnet.setFault({ mode: 'busy' });
    const error = await submit('never')
      .setMaxAttempts(2)
      .execute(client)
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(String(error)).toMatch(/BUSY|max attempts/i);
    devnet.clearFault();
    expect(await messagesOnTopic()).not.toContain('never');
  });

  it('fails calls with gRPC UNAVAILABLE while the node is unavailable', async () => {
    devnet.setFault({ mode: 'unavailable' });
    const error = await submit('unavailable')
      .setMaxAttempts(1)
      .execute(client)
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(String(error)).toMatch(/UNAVAILABLE/);
    devnet.clearFault();
    expect(await messagesOnTopic()).not.toContain('unavailable');
  });

  it('holds answers back when slow, past a short gRPC deadline', async () => {
    devnet.setFault({ mode: 'slow', delayMs: 1500, count: 1 });
    const error = await submit('slow')
      .setGrpcDeadline(200)
      .setMaxAttempts(1)
      .execute(client)
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(String(error)).toMatch(/DEADLINE_EXCEEDED/);
    // As on a real network, the node still processes what it received: the message lands anyway.
    await expect.poll(messagesOnTopic, { timeout: 5000, interval: 100 }).toContain('slow');
  });

  it('refuses connections while stopped and serves the same chain after a restart on the same ports', async () => {
    const before = await messagesOnTopic();
    await devnet.stop();
    await expect(fetch(`${devnet.mirrorUrl}/api/v1/topics/${topicId}/messages`)).rejects.toThrow();
    await devnet.restart();
    expect(await messagesOnTopic()).toEqual(before);
    const receipt = await (await submit('after restart').execute(client)).getReceipt(client);
    expect(receipt.topicSequenceNumber?.toNumber()).toBe(before.length + 1);
  });
});
