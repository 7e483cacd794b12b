import { randomBytes } from 'node:crypto';
import { startTestServer, type TestServer } from '@tensornode/api/testing';
import { type StandInMiners, startFluenceStandIn, startStandInMiners } from '@tensornode/core/testkit';

export interface FluenceNetwork {
  server: TestServer;
  /** The one miner every VM reaches; `hits` counts the requests it answered. */
  miner: StandInMiners;
  close(): Promise<void>;
}

/**
 * An API server on the Fluence provider, pointed at the Fluence stand-in, whose VMs all reach one
 * stand-in miner that answers correctly ("#### 42"): every stand-in VM reports 127.0.0.1, so
 * MINER_PORT and MINER_PATH lead each of them to this one miner.
 */
export async function startFluenceNetwork(): Promise<FluenceNetwork> {
  const miner = await startStandInMiners({
    behaviours: [{ kind: 'correct' }],
    correctAnswer: 'The answer is 42.\n#### 42',
  });
  const minerUrl = new URL(miner.miners[0]!.endpoint);
  const apiKey = randomBytes(24).toString('hex');
  const standIn = await startFluenceStandIn({ apiKey, capacity: 10 });
  const server = await startTestServer({
    env: {
      VM_PROVIDER: 'fluence',
      FLUENCE_API_KEY: apiKey,
      FLUENCE_API_URL: standIn.url,
      MINER_PORT: minerUrl.port,
      MINER_PATH: minerUrl.pathname,
      VM_CACHE_TTL_MS: '0',
    },
    startJobs: false,
  });
  return {
    server,
    miner,
    async close() {
      await server.stop();
      await standIn.close();
      await miner.close();
    },
  };
}
