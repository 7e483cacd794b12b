// Prints how many topic messages per second the devnet takes from the real SDK.
// Run: pnpm exec tsx bench/submit-rate.ts [count]
import { TopicCreateTransaction, TopicMessageSubmitTransaction } from '@hashgraph/sdk';
import { startDevnet } from '../src/index.ts';
import { clientFor } from '../src/testing.ts';

const count = Number(process.argv[2] ?? 300);
const devnet = await startDevnet({ dbPath: ':memory:' });
const client = await clientFor(devnet);
try {
  const topicId = (await (await new TopicCreateTransaction().execute(client)).getReceipt(client)).topicId;
  if (!topicId) throw new Error('no topic id');

  let started = performance.now();
  for (let i = 0; i < count; i++) {
    await (
      await new TopicMessageSubmitTransaction({ topicId, message: `sequential ${i}` }).execute(client)
    ).getReceipt(client);
  }
  const sequential = count / ((performance.now() - started) / 1000);

  started = performance.now();
  const responses = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      new TopicMessageSubmitTransaction({ topicId, message: `concurrent ${i}` }).execute(client),
    ),
  );
  await Promise.all(responses.map((r) => r.getReceipt(client)));
  const concurrent = count / ((performance.now() - started) / 1000);

  process.stdout.write(
    `submit+receipt, ${count} messages: sequential ${sequential.toFixed(0)}/s, concurrent ${concurrent.toFixed(0)}/s\n`,
  );
} finally {
  client.close();
  await devnet.stop();
}
