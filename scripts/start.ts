/**
 * `pnpm start`: the API and the dashboard with one command. Builds the dashboard when its
 * production build is missing or older than its sources, starts both, prints both URLs, forwards
 * SIGINT/SIGTERM, and exits when either process dies.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiUrl, dataDir, host, inheritedEnv, webPort } from './env.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const API_DIR = join(ROOT, 'packages', 'api');
const WEB_DIR = join(ROOT, 'apps', 'web');
const bin = (dir: string, name: string) => join(dir, 'node_modules', '.bin', name);

const webEnv = { ...inheritedEnv, TENSORNODE_API_URL: apiUrl, NEXT_TELEMETRY_DISABLED: '1' };

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce(
    (newest, entry) => Math.max(newest, newestMtime(join(path, entry))),
    stat.mtimeMs,
  );
}

function dashboardBuildIsStale(): boolean {
  const buildId = join(WEB_DIR, '.next', 'BUILD_ID');
  if (!existsSync(buildId)) return true;
  const sources = [join(WEB_DIR, 'src'), join(WEB_DIR, 'next.config.ts'), join(WEB_DIR, 'package.json')];
  return Math.max(...sources.map(newestMtime)) > statSync(buildId).mtimeMs;
}

if (dashboardBuildIsStale()) {
  process.stderr.write('Building the dashboard (next build)…\n');
  const build = spawnSync(bin(WEB_DIR, 'next'), ['build'], { cwd: WEB_DIR, env: webEnv, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const children: ChildProcess[] = [];
let stopping = false;

function start(
  name: string,
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): ChildProcess {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
  children.push(child);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(`${name} exited (${signal ?? code}); stopping.\n`);
      stop(typeof code === 'number' && code !== 0 ? code : 1);
    } else if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) {
      process.exit(process.exitCode ?? 0);
    }
  });
  return child;
}

function stop(code: number, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (stopping) return;
  stopping = true;
  process.exitCode = code;
  // Ctrl-C in a terminal reaches the whole process group: the children got it already, and a
  // second signal would make the API skip its graceful shutdown. Otherwise pass the signal on.
  const deliveredToGroup = signal === 'SIGINT' && process.stdin.isTTY === true;
  if (!deliveredToGroup) for (const child of children) if (child.exitCode === null) child.kill(signal);
  // Whatever does not stop within the API's own grace period is killed.
  setTimeout(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    process.exit(code);
  }, 12_000).unref();
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stop(0, signal));

// node --import tsx, not the tsx CLI: signals then reach the API process itself (the CLI's relay
// layer did not pass SIGTERM on reliably), so a stop always runs its graceful shutdown.
start('The API', process.execPath, ['--import', 'tsx', 'src/main.ts'], API_DIR, {
  ...inheritedEnv,
  DATA_DIR: isAbsolute(dataDir) ? dataDir : join(ROOT, dataDir),
});
start('The dashboard', bin(WEB_DIR, 'next'), ['start', '-p', webPort, '-H', host], WEB_DIR, webEnv);

const dashboardUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${webPort}`;
void Promise.all([waitFor(`${dashboardUrl}/sign-in`), waitFor(`${apiUrl}/health`)]).then(() =>
  process.stderr.write(
    `\nTensorNode dashboard on ${dashboardUrl} (API ${apiUrl}); sign in with the admin token.\n\n`,
  ),
);

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 300 && !stopping; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
