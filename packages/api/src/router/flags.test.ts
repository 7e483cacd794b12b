import { randomBytes } from 'node:crypto';
import { type FluenceStandIn, startFluenceStandIn } from '@tensornode/core/testkit';
import { TRPCError } from '@trpc/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppServices } from '../services.ts';
import {
  askMiners,
  callerAs,
  createTestServices,
  type StandInMiners,
  startStandInMiners,
} from '../testing.ts';

const ESSAY =
  'Photosynthesis turns light into chemical energy: chlorophyll in the chloroplasts absorbs light, ' +
  'water is split to release oxygen, and the energy carried by ATP and NADPH drives the Calvin cycle, ' +
  'which fixes carbon dioxide from the air into sugars that feed the plant and, through it, almost every food chain.';
const OTHER_ESSAY =
  'Plants capture sunlight with pigments and store it as sugar. In the light reactions the thylakoid ' +
  'membranes pump protons and make ATP, while the dark reactions use that energy to build glucose from ' +
  'carbon dioxide; oxygen escapes as a by-product through the stomata of the leaves into the atmosphere around.';

let services: AppServices;
let standIn: FluenceStandIn | undefined;
let miners: StandInMiners | undefined;

afterEach(async () => {
  await services?.close();
  await standIn?.close();
  await miners?.close();
  standIn = undefined;
  miners = undefined;
});

describe('copy and Sybil flags through the API', () => {
  beforeEach(async () => {
    const apiKey = randomBytes(24).toString('hex');
    standIn = await startFluenceStandIn({ apiKey, capacity: 10 });
    ({ services } = await createTestServices({
      env: { VM_PROVIDER: 'fluence', FLUENCE_API_KEY: apiKey, FLUENCE_API_URL: standIn.url },
      startJobs: false,
    }));
    await callerAs(services, 'admin').keys.generate();
  });

  it('admins set the policy, viewers read it, a bad value is a 400 naming the field', async () => {
    const viewer = callerAs(services, 'viewer');
    const admin = callerAs(services, 'admin');
    expect(await viewer.audit.policy.get()).toEqual({ copies: 'flag', oneSharePerSybilGroup: false });
    expect(await admin.audit.policy.set({ copies: 'zero-copies' })).toEqual({
      copies: 'zero-copies',
      oneSharePerSybilGroup: false,
    });
    expect(await viewer.audit.policy.get()).toMatchObject({ copies: 'zero-copies' });
    const error = await admin.audit.policy.set({ copies: 'nope' as 'flag' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe('BAD_REQUEST');
    expect((error as TRPCError).message).toContain('copies');
  });

  it('two miners on one wallet show one Sybil group on the VM listing and the leaderboard', async () => {
    const operator = callerAs(services, 'operator');
    const viewer = callerAs(services, 'viewer');
    await operator.vms.deploy({ instances: 3, walletAddress: '0.0.4242', includeSshKey: false });
    await operator.deployments.allocate({ minerAddress: '0.0.77', instanceName: 'a' });
    await operator.deployments.allocate({ minerAddress: '0.0.78', instanceName: 'b' });
    const group = { id: 'wallet:0.0.4242', members: ['0.0.77', '0.0.78'] };
    const listed = await viewer.vms.list();
    const assigned = listed.filter((vm) => vm.deployment?.minerAddress);
    expect(assigned.map((vm) => vm.sybilGroup)).toEqual([group, group]);
    expect(listed.find((vm) => !vm.deployment?.minerAddress)?.sybilGroup).toBeNull();
    expect((await viewer.vms.get({ vmId: assigned[0]!.id })).sybilGroup).toEqual(group);

    // Both miners answer (stand-ins), so they appear on the leaderboard.
    miners = await startStandInMiners({
      correctAnswer: '42',
      behaviours: [{ kind: 'correct' }, { kind: 'correct' }],
    });
    askMiners(
      services,
      miners.miners.map((m, i) => ({ ...m, minerAddress: ['0.0.77', '0.0.78'][i]! })),
    );
    await operator.validation.run({ prompt: 'What is 6 x 7?', truth: '42', method: 'heuristic' });
    const board = await viewer.miners.leaderboard();
    expect(board.map((e) => [e.minerAddress, e.sybilGroup, e.suspicion])).toEqual([
      ['0.0.77', group, null],
      ['0.0.78', group, null],
    ]);
  });

  it('the leaderboard carries a suspicion with the evidence rounds after repeated copy rounds', async () => {
    miners = await startStandInMiners({
      correctAnswer: '42',
      behaviours: [
        { kind: 'text', answer: ESSAY },
        { kind: 'text', answer: ESSAY, ms: 150 },
        { kind: 'text', answer: OTHER_ESSAY },
      ],
    });
    askMiners(
      services,
      miners.miners.map((m, i) => ({ ...m, minerAddress: `0.0.${501 + i}` })),
    );
    const operator = callerAs(services, 'operator');
    const ask = { prompt: 'Explain photosynthesis.', truth: ESSAY, method: 'heuristic' as const };
    const first = await operator.validation.run(ask);
    const second = await operator.validation.run(ask);
    const board = new Map(
      (await callerAs(services, null).miners.leaderboard()).map((e) => [e.minerAddress, e.suspicion]),
    );
    expect(board.get('0.0.502')).toEqual({ reason: 'relay', rounds: [first.id, second.id] });
    expect(board.get('0.0.501')).toEqual({ reason: 'copy', rounds: [first.id, second.id] });
    expect(board.get('0.0.503')).toBeNull();
  });
});
