/**
 * Child process hosting stand-in miners for the validation benchmark, so the validator's time,
 * memory and file descriptors are measured apart from the miners'.
 */
import { type StandInBehaviour, startStandInMiners } from '../src/testkit/stand-in-miners.ts';

export interface MinerHostRequest {
  behaviours: StandInBehaviour[];
  layout: 'ports' | 'paths';
  correctAnswer: string;
  firstPort?: number;
}

// A benchmark that dies must not leave thousands of listeners behind.
process.once('disconnect', () => process.exit(0));

process.once('message', async (request: MinerHostRequest) => {
  const standIns = await startStandInMiners({ ...request, backlog: 4096 });
  process.send!({ miners: standIns.miners });
  process.once('message', async () => {
    await standIns.close();
    process.exit(0);
  });
});
