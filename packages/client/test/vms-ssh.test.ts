import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '@tensornode/api/testing';
import { generateSshKeypair } from '@tensornode/core/keys';
import {
  type FluenceStandIn,
  startFluenceStandIn,
  startTestSshd,
  type TestSshd,
} from '@tensornode/core/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTensorNodeClient, errorCode } from '../src/index.ts';

let dir: string;
let sshd: TestSshd;
let standIn: FluenceStandIn;
let server: TestServer;
let vmId: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tensornode-vm-ssh-'));
  const keyPath = join(dir, 'keys', 'tensornode');
  const { publicKey } = await generateSshKeypair(keyPath);
  sshd = await startTestSshd({ authorizedKeys: [publicKey] });
  const apiKey = randomBytes(24).toString('hex');
  // The stand-in's VMs are this sshd on 127.0.0.1.
  standIn = await startFluenceStandIn({ apiKey });
  server = await startTestServer({
    env: {
      VM_PROVIDER: 'fluence',
      FLUENCE_API_KEY: apiKey,
      FLUENCE_API_URL: standIn.url,
      SSH_KEY_PATH: keyPath,
      SSH_PORT: String(sshd.port),
      SSH_USERNAME: sshd.username,
    },
    startJobs: false,
    uploadLimitBytes: 64 * 1024,
  });
  const operator = createTensorNodeClient({ url: server.url, token: server.tokenFor('operator') });
  const { vms } = await operator.vms.deploy.mutate({ instances: 1 });
  vmId = vms[0]!.vmId;
  // New → Launching → Active, one stage per listing.
  for (let i = 0; i < 5 && (await operator.vms.get.query({ vmId })).status !== 'Active'; i++);
  expect((await operator.vms.get.query({ vmId })).publicIp).toBe('127.0.0.1');
  expect(standIn.vms()[0]!.sshKeys).toEqual([publicKey]);
}, 30_000);

afterAll(async () => {
  await server?.stop();
  await standIn?.close();
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('vms.exec over SSH', () => {
  it('runs a command as admin and returns its real exit code and output; other roles are refused', async () => {
    const admin = createTensorNodeClient({ url: server.url, token: server.tokenFor('admin') });
    const result = await admin.vms.exec.mutate({ vmId, command: 'echo hello; echo oops >&2; exit 3' });
    expect(result).toMatchObject({ exitCode: 3, stdout: 'hello\n', stderr: 'oops\n', timedOut: false });
    expect(result.durationMs).toBeGreaterThan(0);

    const cut = await admin.vms.exec.mutate({ vmId, command: 'sleep 30', timeoutMs: 500 });
    expect(cut).toMatchObject({ exitCode: null, timedOut: true });

    const operator = createTensorNodeClient({ url: server.url, token: server.tokenFor('operator') });
    const refused = await operator.vms.exec.mutate({ vmId, command: 'id' }).catch((e: unknown) => e);
    expect(errorCode(refused)).toBe('FORBIDDEN');
  });
});

describe('POST /v1/vms/:vmId/files', () => {
  const post = (id: string, form: FormData, token?: string) =>
    fetch(`${server.url}/v1/vms/${encodeURIComponent(id)}/files`, {
      method: 'POST',
      body: form,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  const formWith = (content: string | Uint8Array, remotePath?: string) => {
    const form = new FormData();
    if (remotePath !== undefined) form.append('remotePath', remotePath);
    form.append('file', new Blob([content]), 'miner.env');
    return form;
  };

  const home = userInfo().homedir;
  const workdir = join(home, 'tensornode-files');
  beforeAll(() => rmSync(workdir, { recursive: true, force: true }));
  afterAll(() => rmSync(workdir, { recursive: true, force: true }));

  it("writes an operator's upload inside the VM's upload directory through SFTP", async () => {
    const res = await post(vmId, formWith('MODEL=tiny\n', 'conf/miner.env'), server.tokenFor('operator'));
    expect(res.status).toBe(200);
    const target = join(workdir, 'conf', 'miner.env');
    expect(await res.json()).toMatchObject({ vmId, remotePath: target, bytes: 11 });
    expect(readFileSync(target, 'utf8')).toBe('MODEL=tiny\n');
  });

  it('lets an admin write anywhere (an admin may exec anyway)', async () => {
    const target = join(dir, 'uploaded', 'miner.env');
    const res = await post(vmId, formWith('MODEL=tiny\n', target), server.tokenFor('admin'));
    expect(res.status).toBe(200);
    expect(readFileSync(target, 'utf8')).toBe('MODEL=tiny\n');
  });

  it("refuses an operator's upload that would leave the upload directory, also through a symlink on the VM", async () => {
    const operator = server.tokenFor('operator');
    const outside = join(dir, 'outside');
    mkdirSync(outside, { recursive: true });
    mkdirSync(workdir, { recursive: true });
    // What someone with a shell on the VM (or a miner image) could leave behind.
    symlinkSync(outside, join(workdir, 'escape'));
    symlinkSync(join(outside, 'authorized_keys'), join(workdir, 'keys-link'));
    const attempts = [
      '/home/ubuntu/.ssh/authorized_keys',
      // Writable targets outside the directory (not this host's real ~/.ssh, should the rule break).
      join(outside, 'absolute'),
      '~/tensornode-test-home-file',
      '../x',
      'conf/../../x',
      'escape/authorized_keys',
      'keys-link',
    ];
    for (const remotePath of attempts) {
      const res = await post(vmId, formWith('ssh-ed25519 AAAA attacker\n', remotePath), operator);
      expect(res.status, remotePath).toBe(400);
      const body = (await res.json()) as { message: string; field?: string };
      expect(body.field, remotePath).toBe('remotePath');
      expect(body.message).toMatch(/tensornode-files|"\.\."/);
    }
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(join(home, 'x'))).toBe(false);
    expect(existsSync(join(home, 'tensornode-test-home-file'))).toBe(false);
  });

  it('answers JSON 4xx naming what is wrong', async () => {
    const operator = server.tokenFor('operator');
    const cases: [Response, number, string | undefined][] = [
      [await post(vmId, formWith('x', 'x')), 401, undefined],
      [await post(vmId, formWith('x', 'x'), server.tokenFor('viewer')), 403, undefined],
      [await post('0xnot-a-vm', formWith('x', 'x'), operator), 400, 'vmId'],
      [await post(vmId, formWith('x', '../../etc/passwd'), operator), 400, 'remotePath'],
      [await post(vmId, formWith('x'), operator), 400, 'remotePath'],
      [await post(vmId, formWith(new Uint8Array(100 * 1024), 'big'), operator), 413, 'file'],
    ];
    for (const [res, status, field] of cases) {
      expect(res.status).toBe(status);
      const body = (await res.json()) as { error: string; message: string; field?: string };
      expect(body.error).toEqual(expect.any(String));
      if (field) expect(body.field).toBe(field);
    }
  });
});

describe('vms.deploy sshKeys', () => {
  const ownKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOperatorOwnKeyForTestOnly0000000000000000 me@laptop';

  it('refuses SSH keys from an operator, naming the field; an admin may add them beside ours', async () => {
    const operator = createTensorNodeClient({ url: server.url, token: server.tokenFor('operator') });
    const refused = await operator.vms.deploy
      .mutate({ instances: 1, configuration: { sshKeys: [ownKey] } })
      .catch((e: unknown) => e);
    expect(errorCode(refused)).toBe('FORBIDDEN');
    expect((refused as Error).message).toMatch(/configuration\.sshKeys/);
    expect(standIn.vms().some((vm) => vm.sshKeys.includes(ownKey))).toBe(false);

    const admin = createTensorNodeClient({ url: server.url, token: server.tokenFor('admin') });
    const { vms } = await admin.vms.deploy.mutate({ instances: 1, configuration: { sshKeys: [ownKey] } });
    const deployed = standIn.vms().find((vm) => vm.id === vms[0]!.vmId)!;
    expect(deployed.sshKeys).toEqual([ownKey, standIn.vms()[0]!.sshKeys[0]]);
    await admin.vms.delete.mutate({ vmIds: [vms[0]!.vmId] });
  });
});

describe('POST /v1/vms/:vmId/docker', () => {
  const post = (form: FormData) =>
    fetch(`${server.url}/v1/vms/${vmId}/docker`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${server.tokenFor('operator')}` },
    });
  const dockerForm = (fields: Record<string, string>) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', new Blob(['FROM scratch\n']), 'Dockerfile');
    return form;
  };

  it('uploads the Dockerfile into the workdir and runs the build there, reporting its exit code', async () => {
    const workdir = `tensornode-test-${randomBytes(4).toString('hex')}`;
    const home = join(sshd.username === 'root' ? '/root' : tmpdir(), workdir);
    try {
      const res = await post(dockerForm({ workdir, port: '3000' }));
      expect(res.status).toBe(200);
      const body = (await res.json()) as { exitCode: number | null; output: string; container: string };
      expect(body.container).toBe('tensornode-miner');
      expect(typeof body.exitCode).toBe('number'); // this test VM has no docker daemon or sudo: non-zero
      expect(readFileSync(join(home, 'Dockerfile'), 'utf8')).toBe('FROM scratch\n');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('lets only an admin ask for GITHUB_TOKEN in a build, naming the field', async () => {
    const operator = createTensorNodeClient({ url: server.url, token: server.tokenFor('operator') });
    const refused = await operator.docker.deployFromUrl
      .mutate({ vmId, dockerfileUrl: 'https://example.com/Dockerfile', withGithubToken: true })
      .catch((e: unknown) => e);
    expect(errorCode(refused)).toBe('FORBIDDEN');
    expect((refused as Error).message).toMatch(/^withGithubToken: only an admin/);

    const res = await post(dockerForm({ withGithubToken: 'true' }));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { message: string }).message).toMatch(/^withGithubToken: only an admin/);
  });

  it('rejects a bad workdir or port naming the field, before touching the VM', async () => {
    for (const [fields, field] of [
      [{ workdir: '../../etc' }, 'workdir'],
      [{ workdir: 'x;reboot' }, 'workdir'],
      [{ port: '3000; reboot' }, 'port'],
      [{ port: '70000' }, 'port'],
    ] as const) {
      const res = await post(dockerForm(fields));
      expect(res.status).toBe(400);
      expect(((await res.json()) as { field: string }).field).toBe(field);
    }
  });
});
