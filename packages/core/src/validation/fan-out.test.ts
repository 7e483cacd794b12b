import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countBodyBytes } from '../testkit/count-body-bytes.ts';
import {
  type StandInBehaviour,
  type StandInMiners,
  startStandInMiners,
  startUnresponsiveListener,
} from '../testkit/stand-in-miners.ts';
import { type MinerAnswer, parseMinerAnswer, queryMiners } from './fan-out.ts';

const DEADLINE_MS = 1500;
const MAX_RESPONSE_BYTES = 64 * 1024;
const MB = 1024 * 1024;

const cases: { behaviour: StandInBehaviour; expect: Partial<MinerAnswer> }[] = [
  { behaviour: { kind: 'correct' }, expect: { ok: true, response: '42' } },
  { behaviour: { kind: 'wrong' }, expect: { ok: true, response: 'I do not know' } },
  { behaviour: { kind: 'slow', ms: 300 }, expect: { ok: true, response: '42' } },
  { behaviour: { kind: 'slow', ms: 5000 }, expect: { ok: false, reason: 'timeout' } },
  { behaviour: { kind: 'silent' }, expect: { ok: false, reason: 'timeout' } },
  { behaviour: { kind: 'trickle', intervalMs: 200 }, expect: { ok: false, reason: 'timeout' } },
  { behaviour: { kind: 'huge' }, expect: { ok: false, reason: 'too_large' } },
  { behaviour: { kind: 'reset' }, expect: { ok: false, reason: 'reset' } },
  {
    behaviour: { kind: 'http_error', status: 500 },
    expect: { ok: false, reason: 'http_500', httpStatus: 500 },
  },
  { behaviour: { kind: 'http_error', status: 404 }, expect: { ok: false, reason: 'http_404' } },
  { behaviour: { kind: 'invalid_json' }, expect: { ok: false, reason: 'invalid_json' } },
  { behaviour: { kind: 'redirect' }, expect: { ok: false, reason: 'redirect', httpStatus: 302 } },
  { behaviour: { kind: 'plain_text' }, expect: { ok: true, response: '42' } },
  { behaviour: { kind: 'openai' }, expect: { ok: true, response: '42' } },
  { behaviour: { kind: 'chat' }, expect: { ok: true, response: '42' } },
  { behaviour: { kind: 'refused' }, expect: { ok: false, reason: 'refused' } },
];

describe('queryMiners', () => {
  let standIns: StandInMiners;
  beforeAll(async () => {
    standIns = await startStandInMiners({ behaviours: cases.map((c) => c.behaviour), correctAnswer: '42' });
  });
  afterAll(() => standIns.close());

  // 0: every connection closes after its answer (the many-miners mode); default: idle until the end.
  it.each([
    ['connections idle until the batch ends', undefined],
    ['each connection closed after its answer', 0],
  ])(
    'gives every miner its answer or the reason it has none, cutting off late ones at the deadline (%s)',
    async (_mode, keepAliveUpTo) => {
      const settled: number[] = [];
      const counting = countBodyBytes();
      const started = performance.now();
      const answers = await queryMiners({
        miners: standIns.miners,
        prompt: 'What is 6 x 7?',
        deadlineMs: DEADLINE_MS,
        concurrency: 4,
        maxResponseBytes: MAX_RESPONSE_BYTES,
        keepAliveUpTo,
        interceptors: [counting.interceptor],
        onResult: (_a, i) => settled.push(i),
      });
      const wall = performance.now() - started;

      answers.forEach((answer, i) => {
        const kind = cases[i]!.behaviour.kind;
        expect({ i, kind, ...answer }).toMatchObject({ i, ...cases[i]!.expect });
        expect(answer.vmId).toBe(standIns.miners[i]!.vmId);
        // A miner cut off for being late was given its whole deadline first (less the few ms by
        // which undici's coarse header/body timers may round it).
        if (answer.reason === 'timeout')
          expect(answer.latencyMs, kind).toBeGreaterThanOrEqual(DEADLINE_MS - 1);
      });
      expect(settled.sort((a, b) => a - b)).toEqual(cases.map((_, i) => i));
      // Every miner that could read it received the prompt as JSON.
      expect(standIns.prompts[0]).toBe('What is 6 x 7?');
      // The redirect was reported, never followed.
      expect(standIns.redirectHits()).toBe(0);

      // Memory stays bounded under the 50 MB answer: the fan-out read just past its cap and hung
      // up, so what it took in (and could hold) is the cap plus what undici had buffered. Counting
      // the bytes delivered, rather than sampling the process's RSS, is exact and unaffected by
      // whatever else the test process allocates meanwhile.
      const huge = cases.findIndex((c) => c.behaviour.kind === 'huge');
      const read = counting.received.get(new URL(standIns.miners[huge]!.endpoint).origin) ?? 0;
      expect(read).toBeGreaterThan(MAX_RESPONSE_BYTES);
      expect(read).toBeLessThan(MAX_RESPONSE_BYTES + MB);

      // Four workers and three late miners: the batch ends about one deadline after it starts
      // (a miner trickling bytes did not hold its slot past the deadline). One generous bound.
      expect(wall).toBeLessThan(3 * DEADLINE_MS);
    },
  );

  it('tells apart miners that share one origin', async () => {
    const shared = await startStandInMiners({
      behaviours: Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0 ? { kind: 'correct' } : { kind: 'wrong' },
      ),
      correctAnswer: '42',
      wrongAnswer: '17',
      layout: 'paths',
    });
    try {
      const answers = await queryMiners({
        miners: shared.miners,
        prompt: 'What is 6 x 7?',
        deadlineMs: DEADLINE_MS,
        concurrency: 8,
        maxResponseBytes: 1024,
      });
      expect(answers.map((a) => a.response)).toEqual(
        shared.miners.map((_, i) => (i % 2 === 0 ? '42' : '17')),
      );
      expect(shared.hits).toEqual(shared.miners.map(() => 1));
    } finally {
      await shared.close();
    }
  });

  it('cuts off a miner whose connection never completes at the deadline, not at a connect timeout', async () => {
    const swamped = await startUnresponsiveListener();
    try {
      const started = performance.now();
      const answers = await queryMiners({
        miners: [{ vmId: 'swamped', endpoint: swamped.endpoint }, standIns.miners[0]!],
        prompt: 'What is 6 x 7?',
        deadlineMs: 800,
        concurrency: 2,
        maxResponseBytes: 1024,
      });
      const wall = performance.now() - started;
      expect(answers.map((a) => [a.vmId, a.ok, a.reason])).toEqual([
        ['swamped', false, 'timeout'],
        [standIns.miners[0]!.vmId, true, null],
      ]);
      expect(answers[0]!.latencyMs).toBeGreaterThanOrEqual(799);
      expect(wall).toBeLessThan(1500);
    } finally {
      await swamped.close();
    }
  });

  it('reports an endpoint that is not a URL as unreachable without failing the batch', async () => {
    const answers = await queryMiners({
      miners: [{ vmId: 'bad', endpoint: 'not a url' }, standIns.miners[0]!],
      prompt: 'What is 6 x 7?',
      deadlineMs: DEADLINE_MS,
      concurrency: 2,
      maxResponseBytes: 1024,
    });
    expect(answers.map((a) => [a.vmId, a.ok, a.reason])).toEqual([
      ['bad', false, 'unreachable'],
      [standIns.miners[0]!.vmId, true, null],
    ]);
  });

  it('returns an empty list for no miners', async () => {
    const answers = await queryMiners({
      miners: [],
      prompt: 'x',
      deadlineMs: 100,
      concurrency: 8,
      maxResponseBytes: 1024,
    });
    expect(answers).toEqual([]);
  });
});

describe('parseMinerAnswer', () => {
  it.each([
    ['{"response":"Paris"}', 'application/json', 'Paris'],
    ['{"response":42}', 'application/json', '42'],
    ['{"message":{"role":"assistant","content":"Paris"}}', 'application/json', 'Paris'],
    ['{"choices":[{"message":{"content":"Paris"}}]}', 'application/json', 'Paris'],
    ['"Paris"', 'application/json', 'Paris'],
    ['Paris', 'text/plain', 'Paris'],
    ['42', 'text/plain; charset=utf-8', '42'],
    ['{"response":"Paris"}', 'text/plain', 'Paris'],
  ])('accepts %s (%s)', (body, type, answer) => {
    expect(parseMinerAnswer(body, type)).toEqual({ ok: true, response: answer });
  });

  it.each([
    ['{"response":', 'application/json', 'invalid_json'],
    ['{"answer":"Paris"}', 'application/json', 'invalid_json'],
    ['[1,2]', 'application/json', 'invalid_json'],
    ['Paris', '', 'invalid_json'],
    ['{"response":"  "}', 'application/json', 'empty'],
    ['', 'application/json', 'empty'],
    ['   ', 'text/plain', 'empty'],
  ])('rejects %s (%s) as %s', (body, type, reason) => {
    expect(parseMinerAnswer(body, type)).toEqual({ ok: false, reason });
  });
});
