import { createRoundAuditRepository, type DatabaseHandle, openDatabase, schema } from '@tensornode/db';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { commitment } from '../audit/commitment.ts';
import { buildScoreTree } from '../audit/score-tree.ts';
import { parseConfig } from '../config.ts';
import { silentLogger } from '../context.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import { disabledLedgerHook } from '../ledger/outbox.ts';
import { countBodyBytes } from '../testkit/count-body-bytes.ts';
import { type StandInBehaviour, type StandInMiners, startStandInMiners } from '../testkit/stand-in-miners.ts';
import { getRound } from './get-round.ts';
import { leaderboard, minerScoreHistory } from './leaderboard.ts';
import { listRounds } from './list-rounds.ts';
import { type RoundMiner, staticMinerDirectory } from './miner-directory.ts';
import type { RoundProgressEvent } from './progress.ts';
import {
  canonicalJson,
  hashRoundSummary,
  type RoundLedgerHook,
  type RoundSummary,
  sha256Hex,
} from './round-summary.ts';
import { runValidationRound, type ValidationContext } from './run-round.ts';

const PROMPT = 'What is 6 x 7? Answer with the number.';
const TRUTH = '42';
const DEADLINE_MS = 1500;
const MB = 1024 * 1024;

function makeContext(
  db: DatabaseHandle,
  miners: RoundMiner[],
  overrides: Partial<ValidationContext> = {},
): ValidationContext {
  return {
    db: db.db,
    config: { ...parseConfig({}), SCORE_EMA_ALPHA: 0.5 },
    log: silentLogger,
    miners: staticMinerDirectory(miners),
    ledgerHook: disabledLedgerHook,
    ...overrides,
  };
}

/** Expected outcome per behaviour: answered and scored high/low, or failed with a reason. */
const mix: {
  behaviour: StandInBehaviour;
  minerAddress: string | null;
  expect: 'right' | 'wrong' | string;
}[] = [
  { behaviour: { kind: 'correct' }, minerAddress: '0.0.1001', expect: 'right' },
  { behaviour: { kind: 'wrong' }, minerAddress: '0.0.1002', expect: 'wrong' },
  { behaviour: { kind: 'slow', ms: 400 }, minerAddress: '0.0.1003', expect: 'right' },
  { behaviour: { kind: 'silent' }, minerAddress: '0.0.1004', expect: 'timeout' },
  { behaviour: { kind: 'trickle' }, minerAddress: '0.0.1005', expect: 'timeout' },
  { behaviour: { kind: 'huge' }, minerAddress: '0.0.1006', expect: 'too_large' },
  { behaviour: { kind: 'reset' }, minerAddress: '0.0.1007', expect: 'reset' },
  { behaviour: { kind: 'http_error', status: 500 }, minerAddress: '0.0.1008', expect: 'http_500' },
  { behaviour: { kind: 'invalid_json' }, minerAddress: '0.0.1009', expect: 'invalid_json' },
  { behaviour: { kind: 'redirect' }, minerAddress: '0.0.1010', expect: 'redirect' },
  { behaviour: { kind: 'plain_text' }, minerAddress: '0.0.1011', expect: 'right' },
  { behaviour: { kind: 'openai' }, minerAddress: null, expect: 'right' },
  { behaviour: { kind: 'chat' }, minerAddress: '0.0.1013', expect: 'right' },
  { behaviour: { kind: 'refused' }, minerAddress: '0.0.1014', expect: 'refused' },
];

describe('runValidationRound over stand-in miners of every behaviour', () => {
  let standIns: StandInMiners;
  let db: DatabaseHandle;
  let miners: RoundMiner[];

  beforeAll(async () => {
    standIns = await startStandInMiners({
      behaviours: mix.map((m) => m.behaviour),
      correctAnswer: 'The answer is 42.',
      wrongAnswer: 'The answer is 41.',
    });
    miners = standIns.miners.map((m, i) => ({ ...m, minerAddress: mix[i]!.minerAddress }));
  });
  afterAll(() => standIns.close());
  beforeEach(() => {
    db = openDatabase({ path: ':memory:' });
  });
  afterEach(() => db.close());

  it('scores every miner, records each failure reason, cuts off late miners at the deadline, reads a huge answer only up to the cap', async () => {
    const events: RoundProgressEvent[] = [];
    const enqueued: RoundSummary[] = [];
    const ledgerHook: RoundLedgerHook = { enqueue: (_tx, summary) => enqueued.push(summary) };
    const counting = countBodyBytes();
    const ctx = makeContext(db, miners, { ledgerHook, fanOutInterceptors: [counting.interceptor] });
    const started = performance.now();
    const round = await runValidationRound(
      ctx,
      { prompt: PROMPT, truth: TRUTH, timeoutMs: DEADLINE_MS, method: 'heuristic' },
      { onProgress: (e) => events.push(e) },
    );
    const wall = performance.now() - started;

    // Everyone is asked at once, so the round ends about one deadline after it starts. One generous bound.
    expect(wall).toBeLessThan(3 * DEADLINE_MS);
    // Memory stays bounded under the 50 MB answer: the round read just past the cap and hung up.
    // Counting the bytes undici delivered is exact, where the process's RSS also moves with
    // whatever else the test process allocates meanwhile.
    const cap = ctx.config.MINER_MAX_RESPONSE_BYTES;
    const huge = mix.findIndex((m) => m.behaviour.kind === 'huge');
    const read = counting.received.get(new URL(miners[huge]!.endpoint).origin) ?? 0;
    expect(read).toBeGreaterThan(cap);
    expect(read).toBeLessThan(cap + MB);

    expect(round.answers.map((a) => a.vmId)).toEqual(miners.map((m) => m.vmId));
    round.answers.forEach((a, i) => {
      const expected = mix[i]!.expect;
      const label = `${mix[i]!.behaviour.kind}`;
      expect({ label, minerAddress: a.minerAddress }).toEqual({ label, minerAddress: mix[i]!.minerAddress });
      // A miner cut off for being late was given its whole deadline first (less the few ms by
      // which undici's coarse header/body timers may round it).
      if (expected === 'timeout') expect(a.latencyMs, label).toBeGreaterThanOrEqual(DEADLINE_MS - 1);
      if (expected === 'right' || expected === 'wrong') {
        expect({ label, ok: a.ok, method: a.method }).toEqual({ label, ok: true, method: 'heuristic' });
        expect(a.response, label).toContain(expected === 'right' ? '42' : '41');
        if (expected === 'right') expect(a.score, label).toBeGreaterThanOrEqual(90);
        else expect(a.score, label).toBeLessThanOrEqual(10);
      } else {
        expect({
          label,
          ok: a.ok,
          score: a.score,
          reason: a.reason,
          response: a.response,
          method: a.method,
        }).toEqual({
          label,
          ok: false,
          score: 0,
          reason: expected,
          response: null,
          method: 'none',
        });
      }
    });
    expect(round.minerCount).toBe(mix.length);
    expect(round.answeredCount).toBe(mix.filter((m) => m.expect === 'right' || m.expect === 'wrong').length);
    expect(standIns.prompts[0]).toBe(PROMPT);
    expect(standIns.redirectHits()).toBe(0);

    // What is stored agrees with what was returned.
    expect(getRound(ctx, round.id)).toEqual(round);
    const board = leaderboard(ctx, { limit: 100 });
    expect(board).toHaveLength(mix.length);
    for (const a of round.answers) {
      const key = a.minerAddress ?? `vm:${a.vmId}`;
      expect(board.find((e) => e.minerAddress === key)).toMatchObject({
        emaScore: a.score,
        rounds: 1,
        lastScore: a.score,
      });
    }
    expect(board.map((e) => e.emaScore)).toEqual([...board.map((e) => e.emaScore)].sort((x, y) => y - x));
    // Without the unassigned VMs, only miners with an address remain, in the same order.
    expect(leaderboard(ctx, { limit: 100, includeUnassigned: false })).toEqual(
      board.filter((e) => !e.minerAddress.startsWith('vm:')),
    );
    expect(board.filter((e) => e.minerAddress.startsWith('vm:'))).toHaveLength(1);

    // The ledger got the same summary whose hash the round carries.
    expect(enqueued).toHaveLength(1);
    expect(hashRoundSummary(enqueued[0]!)).toBe(round.payloadHash);
    // v2: one chunk committing to every answer by its root, to the question and truth by salted hashes.
    const summary = enqueued[0]!;
    if (summary.v !== 2) throw new Error(`expected a v2 summary, got v${summary.v}`);
    expect(summary.scoresRoot).toBe(buildScoreTree(round.id, round.answers).root);
    expect({ minerCount: summary.minerCount, answeredCount: summary.answeredCount }).toEqual({
      minerCount: round.minerCount,
      answeredCount: round.answeredCount,
    });
    expect(Buffer.byteLength(canonicalJson(summary))).toBeLessThanOrEqual(1024);
    expect(summary.truthCommitment).not.toBe(sha256Hex(TRUTH));
    const audit = createRoundAuditRepository(db.db).find(round.id)!;
    expect(summary.truthCommitment).toBe(commitment(audit.truthSalt, TRUTH));
    expect(summary.questionCommitment).toBe(commitment(audit.questionSalt, PROMPT));
    expect(JSON.stringify(round)).not.toContain(audit.truthSalt);

    // Progress: started first, completed last, one outcome and one score per miner, all for this round.
    expect(events[0]).toMatchObject({ type: 'started', minerCount: mix.length });
    // The last event sums the round up; it does not carry the answers.
    expect(events.at(-1)).toEqual({
      type: 'completed',
      roundId: round.id,
      summary: {
        roundId: round.id,
        completedAt: round.completedAt,
        minerCount: round.minerCount,
        answeredCount: round.answeredCount,
        failedCount: round.minerCount - round.answeredCount,
        meanScore: round.meanScore,
        payloadHash: round.payloadHash,
        ledgerStatus: round.ledgerStatus,
      },
    });
    expect(events.at(-2)).toMatchObject({ type: 'stored', payloadHash: round.payloadHash });
    expect(events.every((e) => e.roundId === round.id)).toBe(true);
    const outcomes = events.filter((e) => e.type === 'answered' || e.type === 'failed');
    expect(outcomes.map((e) => (e as { vmId: string }).vmId).sort()).toEqual(
      miners.map((m) => m.vmId).sort(),
    );
    expect(events.filter((e) => e.type === 'scored')).toHaveLength(mix.length);
  });

  it('stores nothing when the ledger record cannot be written with the round', async () => {
    const ledgerHook: RoundLedgerHook = {
      enqueue: () => {
        throw new Error('outbox unavailable');
      },
    };
    const ctx = makeContext(db, miners.slice(0, 2), { ledgerHook });
    await expect(
      runValidationRound(ctx, { prompt: PROMPT, truth: TRUTH, timeoutMs: DEADLINE_MS }),
    ).rejects.toThrow('outbox unavailable');
    expect(db.db.select().from(schema.validationRounds).all()).toEqual([]);
    expect(db.db.select().from(schema.minerAnswers).all()).toEqual([]);
    expect(db.db.select().from(schema.minerScores).all()).toEqual([]);
    expect(db.db.select().from(schema.minerScoreHistory).all()).toEqual([]);
  });

  it('rejects VM ids it cannot resolve before asking anyone', async () => {
    const ctx = makeContext(db, miners.slice(0, 1));
    const hitsBefore = [...standIns.hits];
    const error = await runValidationRound(ctx, {
      prompt: PROMPT,
      truth: TRUTH,
      vmIds: [miners[0]!.vmId, 'vm-nope'],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field: 'vmIds', message: expect.stringContaining('vm-nope') });
    expect(standIns.hits).toEqual(hitsBefore);
    expect(listRounds(ctx, {}).items).toEqual([]);
  });

  it('asks only the named VMs when vmIds is given', async () => {
    const ctx = makeContext(db, miners);
    const round = await runValidationRound(ctx, {
      prompt: PROMPT,
      truth: TRUTH,
      vmIds: [miners[1]!.vmId, miners[0]!.vmId, miners[0]!.vmId],
      method: 'heuristic',
    });
    expect(round.answers.map((a) => a.vmId).sort()).toEqual([miners[0]!.vmId, miners[1]!.vmId].sort());
  });
});

describe('miner moving averages across rounds', () => {
  let standIns: StandInMiners;
  let db: DatabaseHandle;
  beforeAll(async () => {
    standIns = await startStandInMiners({
      behaviours: [{ kind: 'correct' }, { kind: 'wrong' }, { kind: 'http_error', status: 503 }],
      correctAnswer: '42',
      wrongAnswer: '17',
    });
  });
  afterAll(() => standIns.close());
  beforeEach(() => {
    db = openDatabase({ path: ':memory:' });
  });
  afterEach(() => db.close());

  it('moves each EMA by alpha toward the round score and counts rounds and answers', async () => {
    const [right, wrong, down] = standIns.miners.map((m) => m.endpoint) as [string, string, string];
    // Miner A's VM behaves differently each round; miner B has two VMs whose scores are averaged.
    const plan = [
      [right, right, wrong],
      [wrong, right, right],
      [down, wrong, wrong],
      [right, down, right],
    ];
    let clock = Date.UTC(2026, 0, 1);
    const perRound: { a: number; b: number; roundId: string }[] = [];
    for (const [aEndpoint, b1, b2] of plan) {
      const ctx = makeContext(db, [
        { vmId: 'vm-a', minerAddress: '0.0.2001', endpoint: aEndpoint! },
        { vmId: 'vm-b1', minerAddress: '0.0.2002', endpoint: b1! },
        { vmId: 'vm-b2', minerAddress: '0.0.2002', endpoint: b2! },
      ]);
      ctx.now = () => {
        clock += 1000;
        return new Date(clock);
      };
      const round = await runValidationRound(ctx, {
        prompt: PROMPT,
        truth: TRUTH,
        method: 'heuristic',
        timeoutMs: 2000,
      });
      const [a, b1s, b2s] = round.answers.map((x) => x.score) as [number, number, number];
      perRound.push({ a, b: Math.round((b1s + b2s) / 2), roundId: round.id });
    }
    const aScores = perRound.map((r) => r.a);
    expect(aScores[0]).toBeGreaterThanOrEqual(90);
    expect(aScores[1]).toBeLessThanOrEqual(10);
    expect(aScores[2]).toBe(0);
    expect(aScores[3]).toBeGreaterThanOrEqual(90);

    const ema = (scores: number[]) => scores.reduce((prev, s, i) => (i === 0 ? s : 0.5 * s + 0.5 * prev), 0);
    const ctx = makeContext(db, []);
    const board = leaderboard(ctx);
    const a = board.find((e) => e.minerAddress === '0.0.2001')!;
    const b = board.find((e) => e.minerAddress === '0.0.2002')!;
    expect(a.emaScore).toBeCloseTo(ema(perRound.map((r) => r.a)), 9);
    expect(b.emaScore).toBeCloseTo(ema(perRound.map((r) => r.b)), 9);
    expect(a).toMatchObject({ rounds: 4, lastScore: perRound[3]!.a, lastSeenAt: new Date(clock) });
    expect(b).toMatchObject({ rounds: 4, lastScore: perRound[3]!.b });
    const answered = db.db.select().from(schema.minerScores).all();
    expect(answered.find((r) => r.minerAddress === '0.0.2001')!.answered).toBe(3);
    expect(answered.find((r) => r.minerAddress === '0.0.2002')!.answered).toBe(4);

    const history = minerScoreHistory(ctx, '0.0.2001');
    expect(history.map((h) => h.roundId)).toEqual(perRound.map((r) => r.roundId).reverse());
    expect(history.map((h) => h.score)).toEqual(perRound.map((r) => r.a).reverse());
    expect(history[0]!.emaScore).toBeCloseTo(a.emaScore, 9);
  });
});

describe('round queries', () => {
  let db: DatabaseHandle;
  beforeEach(() => {
    db = openDatabase({ path: ':memory:' });
  });
  afterEach(() => db.close());

  it('pages through rounds newest first, ties included, without gaps or repeats', async () => {
    const ctx = makeContext(db, []);
    // Seven rounds on four distinct instants: several share a start time.
    const instants = [1, 1, 2, 3, 3, 3, 4].map((s) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)));
    const ids: string[] = [];
    for (const at of instants) {
      ctx.now = () => at;
      const round = await runValidationRound(ctx, { prompt: PROMPT, truth: TRUTH });
      expect(round.answers).toEqual([]);
      expect(round.minerCount).toBe(0);
      ids.push(round.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = listRounds(ctx, { cursor, limit: 3 });
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(instants.length);
    expect(seen.sort()).toEqual([...ids].sort());
    const all = listRounds(ctx, { limit: 100 }).items;
    const order = all.map((r) => [r.startedAt.getTime(), r.id] as const);
    expect(order).toEqual([...order].sort((x, y) => y[0] - x[0] || (x[1] < y[1] ? 1 : -1)));
    expect(() => listRounds(ctx, { cursor: 'not-a-cursor' })).toThrow(InvalidInputError);
    expect(() => listRounds(ctx, { limit: 0 })).toThrow(InvalidInputError);
  });

  it('reports a missing round as not found', () => {
    expect(() => getRound(makeContext(db, []), 'no-such-round')).toThrow(NotFoundError);
  });
});
