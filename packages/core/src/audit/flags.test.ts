import {
  createDeploymentRepository,
  createMinerScoreRepository,
  createRoundCopyGroupRepository,
  type DatabaseHandle,
  openDatabase,
} from '@tensornode/db';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config.ts';
import { silentLogger } from '../context.ts';
import { InvalidInputError } from '../errors.ts';
import { disabledLedgerHook } from '../ledger/outbox.ts';
import { previewRewards } from '../rewards/distribute.ts';
import { splitEmission } from '../rewards/shares.ts';
import { type StandInMiners, startStandInMiners } from '../testkit/stand-in-miners.ts';
import { leaderboard } from '../validation/leaderboard.ts';
import { type RoundMiner, staticMinerDirectory } from '../validation/miner-directory.ts';
import { runValidationRound, type ValidationContext } from '../validation/run-round.ts';
import { getAuditPolicy, setAuditPolicy, sybilGroups } from './flags.ts';

const ESSAY =
  'Photosynthesis turns light into chemical energy: chlorophyll in the chloroplasts absorbs light, ' +
  'water is split to release oxygen, and the energy carried by ATP and NADPH drives the Calvin cycle, ' +
  'which fixes carbon dioxide from the air into sugars that feed the plant and, through it, almost every food chain.';
const OTHER_ESSAY =
  'Plants capture sunlight with pigments and store it as sugar. In the light reactions the thylakoid ' +
  'membranes pump protons and make ATP, while the dark reactions use that energy to build glucose from ' +
  'carbon dioxide; oxygen escapes as a by-product through the stomata of the leaves into the atmosphere around.';
const THIRD_ESSAY =
  'It is how green organisms feed themselves. Leaves take in carbon dioxide through small pores, roots ' +
  'bring up water, and sunlight powers a chain of reactions that joins them into carbohydrates, giving off ' +
  'oxygen that animals breathe; without it there would be no free oxygen and hardly any life on land today.';

function makeContext(db: DatabaseHandle, miners: RoundMiner[]): ValidationContext {
  return {
    db: db.db,
    config: { ...parseConfig({}), SCORE_EMA_ALPHA: 0.5 },
    log: silentLogger,
    miners: staticMinerDirectory(miners),
    ledgerHook: disabledLedgerHook,
  };
}

const round = (ctx: ValidationContext) =>
  runValidationRound(ctx, {
    prompt: 'Explain photosynthesis.',
    truth: ESSAY,
    method: 'heuristic',
    timeoutMs: 3000,
  });

describe('copy groups stored with each round', () => {
  let standIns: StandInMiners;
  let miners: RoundMiner[];
  let db: DatabaseHandle;

  beforeAll(async () => {
    standIns = await startStandInMiners({
      correctAnswer: '42',
      behaviours: [
        { kind: 'text', answer: ESSAY },
        // The copy: the same text, with other case and punctuation, 150 ms later.
        { kind: 'text', answer: `${ESSAY.toUpperCase().replaceAll(',', ' ')}`, ms: 150 },
        { kind: 'text', answer: OTHER_ESSAY },
        { kind: 'text', answer: THIRD_ESSAY },
      ],
    });
    miners = standIns.miners.map((m, i) => ({ ...m, minerAddress: `0.0.${2001 + i}` }));
  });
  afterAll(() => standIns.close());
  beforeEach(() => {
    db = openDatabase({ path: ':memory:' });
  });
  afterEach(() => db.close());

  it('stores the group of the two miners with the same long answer, earliest first', async () => {
    const result = await round(makeContext(db, miners));
    const rows = createRoundCopyGroupRepository(db.db).forRound(result.id);
    expect(rows.map((r) => [r.minerKey, r.earliest])).toEqual([
      ['0.0.2001', true],
      ['0.0.2002', false],
    ]);
    expect(rows[1]!.answeredAt.getTime()).toBeGreaterThan(rows[0]!.answeredAt.getTime());
    // Flag only by default: the copy keeps its score.
    const score = (vmId: string) => result.answers.find((a) => a.vmId === vmId)!.score;
    expect(score(miners[1]!.vmId)).toBe(score(miners[0]!.vmId));
    expect(score(miners[1]!.vmId)).toBeGreaterThan(0);
  });

  it('under the zero-copies policy the later copy scores 0 and the earliest keeps its score', async () => {
    setAuditPolicy({ db: db.db }, { copies: 'zero-copies' });
    const result = await round(makeContext(db, miners));
    const answer = (i: number) => result.answers.find((a) => a.vmId === miners[i]!.vmId)!;
    expect(answer(1)).toMatchObject({ score: 0, reason: 'copy' });
    expect(answer(0).score).toBeGreaterThan(0);
    expect(answer(2).score).toBeGreaterThan(0);
    // The moving average took the 0 too.
    const board = leaderboard({ db: db.db });
    expect(board.find((e) => e.minerAddress === '0.0.2002')!.lastScore).toBe(0);
  });

  it('the leaderboard shows a suspicion with the evidence rounds after repeated rounds', async () => {
    const first = await round(makeContext(db, miners));
    expect(leaderboard({ db: db.db }).every((e) => e.suspicion === null)).toBe(true);
    const second = await round(makeContext(db, miners));
    const board = new Map(leaderboard({ db: db.db }).map((e) => [e.minerAddress, e]));
    expect(board.get('0.0.2002')!.suspicion).toEqual({ reason: 'relay', rounds: [first.id, second.id] });
    expect(board.get('0.0.2001')!.suspicion).toEqual({ reason: 'copy', rounds: [first.id, second.id] });
    expect(board.get('0.0.2003')!.suspicion).toBeNull();
    expect(board.get('0.0.2004')!.suspicion).toBeNull();
  });
});

describe('a relay miner', () => {
  let sources: StandInMiners;
  let relay: StandInMiners;
  let db: DatabaseHandle;
  beforeAll(async () => {
    sources = await startStandInMiners({
      correctAnswer: '42',
      behaviours: [
        { kind: 'text', answer: ESSAY },
        { kind: 'text', answer: OTHER_ESSAY },
        { kind: 'text', answer: THIRD_ESSAY },
      ],
    });
    relay = await startStandInMiners({
      correctAnswer: '42',
      behaviours: [{ kind: 'relay', to: sources.miners[0]!.endpoint }],
    });
    db = openDatabase({ path: ':memory:' });
  });
  afterAll(async () => {
    db.close();
    await relay.close();
    await sources.close();
  });

  it('forwarding prompts to another miner is flagged as a relay within a few rounds', async () => {
    // Two stand-in sets number their VMs alike: the relay gets its own id.
    const miners = [...sources.miners, { ...relay.miners[0]!, vmId: 'relay-vm' }].map((m, i) => ({
      ...m,
      minerAddress: `0.0.${6001 + i}`,
    }));
    const ctx = makeContext(db, miners);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await round(ctx)).id);
    expect(sources.prompts[0]).toBe('Explain photosynthesis.');
    const board = new Map(leaderboard({ db: db.db }).map((e) => [e.minerAddress, e.suspicion]));
    expect(board.get('0.0.6004')).toEqual({ reason: 'relay', rounds: ids });
    // Miners answering their own text are never suspected.
    expect(board.get('0.0.6002')).toBeNull();
    expect(board.get('0.0.6003')).toBeNull();
  });
});

describe('honest identical short answers', () => {
  let standIns: StandInMiners;
  let db: DatabaseHandle;
  beforeAll(async () => {
    standIns = await startStandInMiners({
      correctAnswer: '42',
      behaviours: Array.from({ length: 20 }, () => ({ kind: 'correct' as const })),
    });
    db = openDatabase({ path: ':memory:' });
  });
  afterAll(async () => {
    db.close();
    await standIns.close();
  });

  it('20 miners answering the same number are never flagged', async () => {
    const miners = standIns.miners.map((m, i) => ({ ...m, minerAddress: `0.0.${3001 + i}` }));
    const ctx = makeContext(db, miners);
    for (let i = 0; i < 3; i++) {
      const result = await runValidationRound(ctx, {
        prompt: 'What is 6 x 7?',
        truth: '42',
        method: 'heuristic',
      });
      expect(createRoundCopyGroupRepository(db.db).forRound(result.id)).toEqual([]);
    }
    const board = leaderboard({ db: db.db });
    expect(board).toHaveLength(20);
    expect(board.every((e) => e.suspicion === null && e.emaScore > 0)).toBe(true);
  });
});

describe('Sybil groups and the reward policy', () => {
  let db: DatabaseHandle;
  beforeEach(() => {
    db = openDatabase({ path: ':memory:' });
    const deployments = createDeploymentRepository(db.db);
    const assign = (vmId: string, minerAddress: string, walletAddress: string) =>
      deployments.insertActive({
        vmId,
        provider: 'local',
        minerAddress,
        instanceName: vmId,
        walletAddress,
        assignedAt: new Date(),
      });
    assign('vm-a', '0.0.4001', '0.0.9001');
    assign('vm-b', '0.0.4002', '0.0.9001');
    assign('vm-c', '0.0.4003', '0.0.9003');
  });
  afterEach(() => db.close());

  it('two miners with the same wallet form one group', () => {
    expect(sybilGroups({ db: db.db })).toEqual([
      { shared: 'wallet:0.0.9001', minerAddresses: ['0.0.4001', '0.0.4002'] },
    ]);
  });

  it('miners on one public address form a group; loopback (every local VM) does not', () => {
    const deployments = createDeploymentRepository(db.db);
    const at = new Date();
    deployments.recordHealth('vm-a', { healthy: true, error: null, at, publicIp: '127.0.0.1' });
    deployments.recordHealth('vm-c', { healthy: true, error: null, at, publicIp: '127.0.0.1' });
    expect(sybilGroups({ db: db.db }).map((g) => g.shared)).toEqual(['wallet:0.0.9001']);

    deployments.recordHealth('vm-b', { healthy: true, error: null, at, publicIp: '203.0.113.7' });
    deployments.recordHealth('vm-c', { healthy: true, error: null, at, publicIp: '203.0.113.7' });
    expect(sybilGroups({ db: db.db })).toEqual([
      { shared: 'address:203.0.113.7', minerAddresses: ['0.0.4002', '0.0.4003'] },
      { shared: 'wallet:0.0.9001', minerAddresses: ['0.0.4001', '0.0.4002'] },
    ]);
  });

  it('with one share per Sybil group the group is paid what one miner is', () => {
    const scores = ['0.0.4001', '0.0.4002', '0.0.4003'].map((minerAddress) => ({
      minerAddress,
      emaScore: 50,
    }));
    const apart = splitEmission(900n, scores);
    expect(apart.shares.map((s) => s.amount)).toEqual([300n, 300n, 300n]);
    const groups = sybilGroups({ db: db.db }).map((g) => g.minerAddresses);
    const shared = splitEmission(900n, scores, groups);
    const paid = new Map(shared.shares.map((s) => [s.minerAddress, s.amount]));
    expect(paid.get('0.0.4003')).toBe(450n);
    expect(paid.get('0.0.4001')! + paid.get('0.0.4002')!).toBe(450n);
    expect(shared.distributed + shared.remainder).toBe(900n);
  });

  it('the epoch preview follows the persisted policy', () => {
    createMinerScoreRepository(db.db).upsert(
      ['0.0.4001', '0.0.4002', '0.0.4003'].map((minerAddress) => ({
        minerAddress,
        emaScore: 60,
        rounds: 3,
        answered: 3,
        lastScore: 60,
        lastSeenAt: new Date(),
      })),
    );
    const ctx = { db: db.db, config: parseConfig({ REWARD_DAILY_EMISSION: '1200' }), log: silentLogger };
    const epoch = new Date().toISOString().slice(0, 10);
    const paid = () =>
      Object.fromEntries(previewRewards(ctx, { epoch }).payouts.map((p) => [p.minerAddress, p.amount]));
    expect(paid()).toEqual({ '0.0.4001': '400', '0.0.4002': '400', '0.0.4003': '400' });
    setAuditPolicy({ db: db.db }, { oneSharePerSybilGroup: true });
    expect(paid()).toEqual({ '0.0.4001': '300', '0.0.4002': '300', '0.0.4003': '600' });
  });

  it('the policy is flag-only by default, persisted when set, and rejects unknown values by field', () => {
    expect(getAuditPolicy({ db: db.db })).toEqual({ copies: 'flag', oneSharePerSybilGroup: false });
    setAuditPolicy({ db: db.db }, { oneSharePerSybilGroup: true });
    expect(getAuditPolicy({ db: db.db })).toEqual({ copies: 'flag', oneSharePerSybilGroup: true });
    expect(() => setAuditPolicy({ db: db.db }, { copies: 'delete' as 'flag' })).toThrow(InvalidInputError);
    try {
      setAuditPolicy({ db: db.db }, { copies: 'delete' as 'flag' });
    } catch (error) {
      expect((error as InvalidInputError).field).toBe('copies');
    }
  });
});
