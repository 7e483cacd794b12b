import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from '@tensornode/api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// A service outside this repository: plain npm, the packed tarball, its own TypeScript.
const consumerSource = `import { createTensorNodeClient, errorCode, type RouterOutputs } from '@tensornode/client';

const url = process.env.TN_URL!;
const admin = createTensorNodeClient({ url, token: process.env.TN_TOKEN });
const anonymous = createTensorNodeClient({ url });

const health: RouterOutputs['health']['check'] = await anonymous.health.check.query();
const uptime: number = health.uptimeSeconds;
// @ts-expect-error outputs are typed, not any: health has no such field
void health.notAField;
const board = await anonymous.miners.leaderboard.query({ limit: 10 });
const created = await admin.auth.tokens.create.mutate({ name: 'outside', role: 'viewer' });
const createdAt: Date = created.record.createdAt;
const viewer = createTensorNodeClient({ url, token: created.token });
const refused = await viewer.auth.tokens.list.query().then(() => 'allowed', (error: unknown) => errorCode(error));
const subscribed = await new Promise<string>((done, fail) => {
  const subscription = viewer.validation.onProgress.subscribe(
    {},
    {
      onStarted: () => {
        subscription.unsubscribe();
        done('started');
      },
      onError: fail,
    },
  );
});
console.log(JSON.stringify({ status: health.status, uptime: uptime >= 0, board: board.length, datesRevived: createdAt instanceof Date, refused, subscribed }));
`;

const wrongInputSource = `import { createTensorNodeClient } from '@tensornode/client';

const client = createTensorNodeClient({ url: 'http://127.0.0.1:1' });
await client.validation.rounds.query({ limit: 'ten' });
await client.deployments.allocate.mutate({ minerAddress: '0.0.1' });
`;

let workDir: string;
let consumerDir: string;
let tarball: string;
let server: TestServer;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'tensornode-client-pack-'));
  // prepack builds dist/ first, as it would before a publish.
  await run('pnpm', ['pack', '--pack-destination', workDir], { cwd: packageDir });
  const packed = readdirSync(workDir).find((f) => f.endsWith('.tgz'));
  if (!packed) throw new Error('pnpm pack wrote no tarball');
  tarball = join(workDir, packed);

  consumerDir = join(workDir, 'consumer');
  mkdirSync(consumerDir);
  writeFileSync(
    join(consumerDir, 'package.json'),
    JSON.stringify({
      name: 'tensornode-consumer',
      private: true,
      type: 'module',
      devDependencies: { typescript: '5.9.3', '@types/node': '^20.19.0' },
    }),
  );
  writeFileSync(
    join(consumerDir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        skipLibCheck: true,
        types: ['node'],
        outDir: 'dist',
      },
      files: ['consumer.ts'],
    }),
  );
  writeFileSync(join(consumerDir, 'consumer.ts'), consumerSource);
  writeFileSync(join(consumerDir, 'wrong-input.ts'), wrongInputSource);
  await run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: consumerDir });
  server = await startTestServer({ startJobs: false });
}, 600_000);

afterAll(async () => {
  await server?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('the packed @tensornode/client in a project outside the workspace', () => {
  it('is small and installs only @trpc/client, superjson and eventsource at run time', {
    timeout: 60_000,
  }, async () => {
    const bytes = statSync(tarball).size;
    console.log(`tarball ${tarball.split('/').at(-1)}: ${bytes} bytes`);
    expect(bytes).toBeLessThan(64 * 1024);

    const { stdout: tree } = await run('npm', ['ls', '--omit=dev', '--all'], { cwd: consumerDir });
    console.log(`npm ls --omit=dev\n${tree}`);
    const installed = JSON.parse(
      readFileSync(join(consumerDir, 'node_modules/@tensornode/client/package.json'), 'utf8'),
    ) as { dependencies: Record<string, string>; peerDependencies: Record<string, string> };
    expect(Object.keys(installed.dependencies).sort()).toEqual(['@trpc/client', 'eventsource', 'superjson']);
    // @trpc/client's own peer, named here too so strict installs resolve the router types.
    expect(Object.keys(installed.peerDependencies)).toEqual(['@trpc/server']);

    const { stdout: everything } = await run('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
      cwd: consumerDir,
    });
    expect(everything).not.toMatch(
      /@tensornode\/(?:api|core|db|devnet)|better-sqlite3|@hashgraph|fastify|drizzle/,
    );
  });

  it('typechecks a consumer, and refuses one that passes the wrong input', { timeout: 120_000 }, async () => {
    await run('npx', ['tsc', '-p', '.', '--noEmit'], { cwd: consumerDir });

    const tsc = [
      'tsc',
      '--noEmit',
      '--strict',
      '--skipLibCheck',
      '--module',
      'NodeNext',
      '--target',
      'ES2022',
    ];
    const refused = await run('npx', [...tsc, 'wrong-input.ts'], { cwd: consumerDir }).then(
      () => ({ stdout: '' }),
      (error: { stdout: string }) => error,
    );
    expect(refused.stdout).toMatch(
      /wrong-input\.ts\(4,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/,
    );
    expect(refused.stdout).toMatch(/wrong-input\.ts\(5,\d+\): error TS2345: .*instanceName/s);
  });

  it('runs the consumer against a live server', { timeout: 120_000 }, async () => {
    await run('npx', ['tsc', '-p', '.'], { cwd: consumerDir });
    const { stdout } = await run('node', ['dist/consumer.js'], {
      cwd: consumerDir,
      env: { ...process.env, TN_URL: server.url, TN_TOKEN: server.tokenFor('admin') },
      timeout: 30_000,
    });
    expect(JSON.parse(stdout.trim())).toEqual({
      status: 'healthy',
      uptime: true,
      board: 0,
      datesRevived: true,
      refused: 'FORBIDDEN',
      subscribed: 'started',
    });
  });
});
