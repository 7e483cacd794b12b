import { startTestServer, type TestServer } from '@tensornode/api/testing';
import { schema } from '@tensornode/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTensorNodeClient, errorCode, type TensorNodeClient } from '../src/index.ts';

// The role checks through the real server: the Authorization header is parsed (`bearerFrom`) and
// resolved to a caller (`resolveCaller`) on every request, which `createCaller` tests skip.

type Needs = 'public' | 'viewer' | 'operator' | 'admin';
type Outcome = 'ok' | 'BAD_REQUEST' | 'UNAUTHORIZED' | 'FORBIDDEN' | string;

const RANK: Record<Needs, number> = { public: 0, viewer: 1, operator: 2, admin: 3 };

/** A few procedures per role. When access is granted each does nothing lasting. */
const PROCEDURES: Record<
  string,
  { needs: Needs; allowed: Outcome; call: (c: TensorNodeClient) => Promise<unknown> }
> = {
  'health.check': { needs: 'public', allowed: 'ok', call: (c) => c.health.check.query() },
  'miners.leaderboard': { needs: 'public', allowed: 'ok', call: (c) => c.miners.leaderboard.query() },
  'auth.whoami': { needs: 'viewer', allowed: 'ok', call: (c) => c.auth.whoami.query() },
  'validation.rounds': {
    needs: 'viewer',
    allowed: 'ok',
    call: (c) => c.validation.rounds.query({ limit: 1 }),
  },
  // An input the schema rejects: an operator gets past the role check and stops at the input.
  'validation.run': {
    needs: 'operator',
    allowed: 'BAD_REQUEST',
    call: (c) => c.validation.run.mutate({} as never),
  },
  'auth.tokens.list': { needs: 'admin', allowed: 'ok', call: (c) => c.auth.tokens.list.query() },
};

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ startJobs: false });
});
afterAll(async () => server?.stop());

async function outcome(call: () => Promise<unknown>): Promise<Outcome> {
  try {
    await call();
    return 'ok';
  } catch (error) {
    return errorCode(error) ?? String(error);
  }
}

describe('roles over HTTP', () => {
  it('grants each procedure to the roles the SPEC names, whatever the Authorization header says', async () => {
    const tokens = {
      viewer: server.tokenFor('viewer'),
      operator: server.tokenFor('operator'),
      admin: server.tokenFor('admin'),
    };
    // Each caller: how it authenticates, and the role it should be treated as (null: anonymous).
    const callers: { name: string; client: TensorNodeClient; role: Exclude<Needs, 'public'> | null }[] = [
      { name: 'no header', client: createTensorNodeClient({ url: server.url }), role: null },
      ...(['viewer', 'operator', 'admin'] as const).map((role) => ({
        name: role,
        client: createTensorNodeClient({ url: server.url, token: tokens[role] }),
        role,
      })),
      {
        name: 'lower-case scheme',
        client: createTensorNodeClient({
          url: server.url,
          headers: { authorization: `bearer ${tokens.operator}` },
        }),
        role: 'operator',
      },
      {
        name: 'not a bearer token',
        client: createTensorNodeClient({
          url: server.url,
          headers: { authorization: `Basic ${tokens.admin}` },
        }),
        role: null,
      },
    ];

    for (const { name, client, role } of callers) {
      const paths = Object.keys(PROCEDURES);
      const outcomes = await Promise.all(paths.map((path) => outcome(() => PROCEDURES[path]!.call(client))));
      const expected = paths.map((path) => {
        const { needs, allowed } = PROCEDURES[path]!;
        if (needs === 'public') return allowed;
        if (role === null) return 'UNAUTHORIZED';
        return RANK[role] >= RANK[needs] ? allowed : 'FORBIDDEN';
      });
      expect({ caller: name, outcomes: Object.fromEntries(paths.map((p, i) => [p, outcomes[i]])) }).toEqual({
        caller: name,
        outcomes: Object.fromEntries(paths.map((p, i) => [p, expected[i]])),
      });
    }
  });

  it('tells the caller it is signed in as the role of its token', async () => {
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      const client = createTensorNodeClient({ url: server.url, token: server.tokenFor(role) });
      expect(await client.auth.whoami.query()).toMatchObject({ role });
    }
  });

  it('refuses an unknown token on a protected procedure, saying so, but still serves public ones', async () => {
    const madeUp = createTensorNodeClient({ url: server.url, token: 'tn_this-token-was-never-issued' });
    const error = await madeUp.auth.whoami.query().catch((e: unknown) => e);
    expect(errorCode(error)).toBe('UNAUTHORIZED');
    expect((error as Error).message).toMatch(/invalid or revoked/i);
    expect((await madeUp.health.check.query()).status).toBe('healthy');
  });
});

describe('public leaderboard over HTTP', () => {
  beforeAll(() => {
    const at = new Date(Date.UTC(2026, 0, 1));
    server.services.db
      .insert(schema.minerScores)
      .values([
        {
          minerAddress: 'vm:unassigned-1',
          emaScore: 95,
          rounds: 3,
          answered: 3,
          lastScore: 95,
          lastSeenAt: at,
        },
        { minerAddress: '0.0.9001', emaScore: 80, rounds: 3, answered: 3, lastScore: 82, lastSeenAt: at },
        { minerAddress: '0.0.9002', emaScore: 70, rounds: 2, answered: 1, lastScore: 60, lastSeenAt: at },
      ])
      .run();
  });

  it('lists only miners to anonymous callers, in the SPEC shape', async () => {
    const anonymous = createTensorNodeClient({ url: server.url });
    // The unassigned VM scores highest, yet two miners still fill a board of two.
    const board = await anonymous.miners.leaderboard.query({ limit: 2 });
    expect(board).toEqual([
      {
        minerAddress: '0.0.9001',
        emaScore: 80,
        rounds: 3,
        lastScore: 82,
        lastSeenAt: new Date(Date.UTC(2026, 0, 1)),
        suspicion: null,
        sybilGroup: null,
      },
      {
        minerAddress: '0.0.9002',
        emaScore: 70,
        rounds: 2,
        lastScore: 60,
        lastSeenAt: new Date(Date.UTC(2026, 0, 1)),
        suspicion: null,
        sybilGroup: null,
      },
    ]);
    const refused = await anonymous.miners.leaderboard
      .query({ includeUnassigned: true })
      .catch((e: unknown) => e);
    expect(errorCode(refused)).toBe('UNAUTHORIZED');
  });

  it('shows unassigned VMs to a signed-in caller who asks for them', async () => {
    const viewer = createTensorNodeClient({ url: server.url, token: server.tokenFor('viewer') });
    const board = await viewer.miners.leaderboard.query({ includeUnassigned: true });
    expect(board.map((e) => e.minerAddress)).toEqual(['vm:unassigned-1', '0.0.9001', '0.0.9002']);
    expect((await viewer.miners.leaderboard.query()).map((e) => e.minerAddress)).toEqual([
      '0.0.9001',
      '0.0.9002',
    ]);
  });
});
