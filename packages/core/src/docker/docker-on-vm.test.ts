import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, InvalidInputError } from '../errors.ts';
import { generateSshKeypair } from '../keys/generate-keypair.ts';
import { execOnVm } from '../ssh/exec-on-vm.ts';
import { createSshExecutor } from '../ssh/executor.ts';
import { startTestSshd, type TestSshd } from '../testkit/sshd.ts';
import type { Vm, VmProvider } from '../vms/provider.ts';
import { containerHealth } from './container-health.ts';
import { deployFromUpload } from './deploy-from-upload.ts';
import { deployFromUrl } from './deploy-from-url.ts';
import type { DockerContext } from './run-built-command.ts';
import { stopContainer } from './stop-container.ts';

// Made at run time: no token-shaped literal in the repository.
const TOKEN = `ghp_${randomBytes(18).toString('hex')}`;
const DOCKERFILE = 'FROM node:20-alpine\nRUN --mount=type=secret,id=github_token true\n';

let dir: string;
let sshd: TestSshd;
let http: Server;
let httpPort: number;
let stubLog: string;
let workdir: string;
let ctx: DockerContext;
let healthStatus = 200;
/** The ports vm-1 declares open (docker.health probes only these). */
let declaredPorts: number[] = [];

/** A provider whose VMs are this machine: vm-1 has an address, vm-2 is still launching. */
function fakeProvider(): VmProvider {
  const vm = (id: string, publicIp: string | null): Vm => ({
    id,
    vmName: id,
    status: publicIp ? 'Active' : 'Launching',
    publicIp,
    ports: declaredPorts.map((port) => ({ port, protocol: 'tcp' as const })),
    osImage: null,
    datacenter: null,
    pricePerEpoch: null,
    createdAt: new Date(0).toISOString(),
    nextBillingAt: null,
  });
  const unused = () => Promise.reject(new Error('not used in this test'));
  return {
    name: 'fluence',
    isValidVmId: (id) => /^vm-\d+$/.test(id),
    canonicalVmId: (id) => id.toLowerCase(),
    get: async (id) => vm(id, id === 'vm-2' ? null : '127.0.0.1'),
    deploy: unused,
    list: unused,
    update: unused,
    delete: unused,
    estimate: unused,
    defaultImages: unused,
    ping: async () => {},
    close: async () => {},
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tensornode-docker-test-'));
  stubLog = join(dir, 'docker-calls.log');
  // `sudo` stands in for `sudo docker …`: it records its arguments and shows what a build would see.
  await mkdir(join(dir, 'bin'));
  await writeFile(
    join(dir, 'bin', 'sudo'),
    `#!/bin/sh\nprintf '%s\\n' "$*" >> '${stubLog}'\necho "build sees token: \${GITHUB_TOKEN:-none}"\necho "stderr token: \${GITHUB_TOKEN:-none}" >&2\n`,
  );
  await chmod(join(dir, 'bin', 'sudo'), 0o755);
  const keyPath = join(dir, 'id_ed25519');
  const { publicKey } = await generateSshKeypair(keyPath);
  sshd = await startTestSshd({
    authorizedKeys: [publicKey],
    extraConfig: [`SetEnv PATH=${join(dir, 'bin')}:/usr/bin:/bin`],
  });
  http = createServer((req, res) => {
    if (req.url === '/Dockerfile' || req.url === '/approved/Dockerfile') return res.end(DOCKERFILE);
    if (req.url === '/health') {
      res.statusCode = healthStatus;
      return res.end(JSON.stringify({ status: healthStatus === 200 ? 'ok' : 'down' }));
    }
    if (req.url === '/slow/health') return; // never answers
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  httpPort = (http.address() as AddressInfo).port;
  ctx = {
    provider: fakeProvider(),
    ssh: createSshExecutor({ privateKeyPath: keyPath, username: sshd.username, port: sshd.port }),
    githubToken: TOKEN,
    githubTokenUrlPrefixes: [`http://127.0.0.1:${httpPort}/approved/`],
  };
  workdir = `tensornode-test-${process.pid}/miner`;
});

afterAll(async () => {
  await sshd?.stop();
  http?.closeAllConnections();
  await new Promise((r) => http?.close(r));
  await rm(join(homedir(), `tensornode-test-${process.pid}`), { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await rm(stubLog, { force: true });
});

const calls = async () => (await readFile(stubLog, 'utf8')).trim().split('\n');

describe('docker on a VM over real SSH', () => {
  it('deployFromUrl downloads the Dockerfile, builds it without the token, runs the container', async () => {
    const result = await deployFromUrl(ctx, {
      vmId: 'vm-1',
      dockerfileUrl: `http://127.0.0.1:${httpPort}/Dockerfile`,
      workdir,
      port: 3000,
    });
    expect(result.exitCode).toBe(0);
    expect(await readFile(join(homedir(), workdir, 'Dockerfile'), 'utf8')).toBe(DOCKERFILE);
    expect(await calls()).toEqual([
      'docker build -t tensornode-miner .',
      'docker rm -f tensornode-miner',
      'docker run -d --restart unless-stopped --name tensornode-miner -p 3000:3000 tensornode-miner',
    ]);
    // A Dockerfile from a URL nobody approved never sees GITHUB_TOKEN.
    expect(result.stdout).toContain('build sees token: none');
  });

  it('gives GITHUB_TOKEN as a secret only to Dockerfiles under an approved prefix or when asked for per build', async () => {
    const build = async (path: string, withGithubToken = false) => {
      await rm(stubLog, { force: true });
      const result = await deployFromUrl(ctx, {
        vmId: 'vm-1',
        dockerfileUrl: `http://127.0.0.1:${httpPort}${path}`,
        workdir,
        withGithubToken,
      });
      expect(result.exitCode).toBe(0);
      expect(JSON.stringify(result)).not.toContain(TOKEN);
      return { build: (await calls())[0], stdout: result.stdout, stderr: result.stderr };
    };
    const withSecret =
      '--preserve-env=GITHUB_TOKEN docker build --secret id=github_token,env=GITHUB_TOKEN -t tensornode-miner .';

    const approved = await build('/approved/Dockerfile');
    expect(approved.build).toBe(withSecret);
    // The build saw the token; the caller sees it redacted, everywhere.
    expect(approved.stdout).toContain('build sees token: [redacted]');
    expect(approved.stderr).toContain('stderr token: [redacted]');

    expect(await build('/approved/../Dockerfile')).toMatchObject({
      build: 'docker build -t tensornode-miner .',
      stdout: expect.stringContaining('build sees token: none'),
    });
    expect((await build('/Dockerfile', true)).build).toBe(withSecret);
  });

  it('deployFromUpload uploads the Dockerfile into the workdir and builds it', async () => {
    const local = join(dir, 'upload.Dockerfile');
    await writeFile(local, `${DOCKERFILE}# uploaded\n`);
    const result = await deployFromUpload(ctx, {
      vmId: 'vm-1',
      dockerfilePath: local,
      workdir: `${workdir}-upload`,
      container: 'miner-2',
      image: 'miner:v2',
      port: 3001,
    });
    expect(result.exitCode).toBe(0);
    expect(await readFile(join(homedir(), `${workdir}-upload`, 'Dockerfile'), 'utf8')).toBe(
      `${DOCKERFILE}# uploaded\n`,
    );
    // An uploaded Dockerfile has no approved URL: no token unless an admin asks for it.
    expect((await calls())[0]).toBe('docker build -t miner:v2 .');
    expect(result.stdout).toContain('build sees token: none');
    expect((await calls()).at(-1)).toBe(
      'docker run -d --restart unless-stopped --name miner-2 -p 3001:3001 miner:v2',
    );
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it('deployFromUpload refuses a workdir that a symlink on the VM leads out of the home', async () => {
    const outside = join(dir, 'outside');
    await mkdir(outside, { recursive: true });
    const link = join(homedir(), `tensornode-test-${process.pid}`, 'link');
    await mkdir(dirname(link), { recursive: true });
    await symlink(outside, link);
    const local = join(dir, 'upload.Dockerfile');
    await writeFile(local, '* * * * * root id\n');
    const error = await deployFromUpload(ctx, {
      vmId: 'vm-1',
      dockerfilePath: local,
      workdir: `tensornode-test-${process.pid}/link`,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field: 'workdir' });
    expect(await readdir(outside)).toEqual([]);
  });

  it('stopContainer stops and removes the container', async () => {
    const result = await stopContainer(ctx, { vmId: 'vm-1', container: 'miner-2' });
    expect(result.exitCode).toBe(0);
    expect(await calls()).toEqual(['docker stop miner-2', 'docker rm miner-2']);
  });

  it('rejects bad input before anything reaches the VM', async () => {
    const bad = [
      () => deployFromUrl(ctx, { vmId: 'vm-1', dockerfileUrl: 'https://x/$(reboot)' }),
      () => deployFromUrl(ctx, { vmId: 'vm-1', dockerfileUrl: 'https://x/Dockerfile', workdir: '../../etc' }),
      () => stopContainer(ctx, { vmId: 'vm-1', container: ';rm -rf ~' }),
      () => deployFromUrl(ctx, { vmId: '0xnot-ours', dockerfileUrl: 'https://x/Dockerfile' }),
    ];
    const fields = [];
    for (const call of bad) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      fields.push((error as InvalidInputError).field);
    }
    expect(fields).toEqual(['dockerfileUrl', 'workdir', 'container', 'vmId']);
    await expect(readFile(stubLog, 'utf8')).rejects.toThrow();
  });

  it('refuses a VM that has no public IP yet', async () => {
    await expect(stopContainer(ctx, { vmId: 'vm-2' })).rejects.toBeInstanceOf(ConflictError);
  });

  it('execOnVm runs an admin command verbatim on the VM', async () => {
    const result = await execOnVm(ctx, { vmId: 'vm-1', command: 'echo "$((6 * 7))"; exit 5' });
    expect(result).toMatchObject({ vmId: 'vm-1', exitCode: 5, stdout: '42\n', timedOut: false });
    await expect(execOnVm(ctx, { vmId: 'bad id', command: 'true' })).rejects.toMatchObject({ field: 'vmId' });
  });
});

describe('containerHealth', () => {
  it('reports a container that answers /health; the body only when asked for', async () => {
    healthStatus = 200;
    declaredPorts = [22, httpPort];
    const health = await containerHealth(ctx, { vmId: 'VM-1', port: httpPort }, { includeBody: true });
    expect(health).toMatchObject({ vmId: 'vm-1', healthy: true, status: 200, body: '{"status":"ok"}' });
    const bare = await containerHealth(ctx, { vmId: 'vm-1', port: httpPort });
    expect(bare).toMatchObject({ healthy: true, status: 200 });
    expect(bare).not.toHaveProperty('body');
  });

  it('refuses a port the VM does not declare open, before any request', async () => {
    declaredPorts = [22];
    const error = await containerHealth(ctx, { vmId: 'vm-1', port: httpPort }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field: 'port' });
    expect((error as Error).message).toContain('open: 22');
  });

  it('reports an unhealthy answer, a closed port and a silent server as unhealthy', async () => {
    healthStatus = 503;
    declaredPorts = [httpPort, 1];
    expect(await containerHealth(ctx, { vmId: 'vm-1', port: httpPort })).toMatchObject({
      healthy: false,
      status: 503,
    });
    const closed = await containerHealth(ctx, { vmId: 'vm-1', port: 1 });
    expect(closed).toMatchObject({ healthy: false, error: 'ECONNREFUSED' });
  });

  it('gives up on a server that never answers', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      declaredPorts = [port];
      const health = await containerHealth(ctx, { vmId: 'vm-1', port, timeoutMs: 300 });
      expect(health).toMatchObject({ healthy: false, error: 'no answer within 300 ms' });
    } finally {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });
});
