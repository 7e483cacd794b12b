import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from '@tensornode/api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../bin/tensornode.mjs', import.meta.url));

describe('tensornode deployments (local VMs, through the API)', () => {
  let server: TestServer;
  let operator: Record<string, string>;

  async function tensornode(args: string[], env: Record<string, string> = operator) {
    try {
      const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
        env: { ...process.env, LOG_LEVEL: 'silent', ...env },
        timeout: 90_000,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  beforeAll(async () => {
    server = await startTestServer({ database: 'file', startJobs: false, env: { VM_CACHE_TTL_MS: '0' } });
    operator = { TENSORNODE_URL: server.url, TENSORNODE_TOKEN: server.tokenFor('operator') };
  }, 60_000);
  afterAll(async () => server?.stop());

  it('allocates a new VM to a miner, waits until it is Active, lists it, releases it, reuses it', {
    timeout: 120_000,
  }, async () => {
    const empty = await tensornode(['deployments', 'list']);
    expect(empty.code).toBe(0);
    expect(empty.stderr).toContain('No deployments.');

    const allocated = await tensornode(['deployments', 'allocate', '--miner', '0.0.601', '--name', 'one']);
    expect(allocated.stderr).toMatch(/Deployed VM local-[0-9a-f]{12} for miner 0\.0\.601 \(one\)/);
    expect(allocated.stderr).toMatch(/✓ local-[0-9a-f]{12} Active/);
    expect(allocated.code).toBe(0);
    const vmId = allocated.stdout.trim();
    expect(vmId).toMatch(/^local-[0-9a-f]{12}$/);
    // The VM really runs a miner: the provider reports it Active with an endpoint.
    expect((await server.services.vmProvider.get(vmId)).status).toBe('Active');

    const listed = await tensornode(['deployments', 'list', '--json']);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ vmId, status: 'active', minerAddress: '0.0.601', instanceName: 'one' }),
    ]);
    const table = await tensornode(['deployments', 'list', '--status', 'active']);
    expect(table.stdout).toMatch(new RegExp(`${vmId}.*active.*0\\.0\\.601.*one`));

    const released = await tensornode(['deployments', 'release', vmId]);
    expect(released.code).toBe(0);
    expect(released.stderr).toContain(`Released VM ${vmId}; it is inactive again.`);
    const inactive = await tensornode(['deployments', 'list', '--status', 'inactive', '--json']);
    expect(JSON.parse(inactive.stdout)).toEqual([
      expect.objectContaining({ vmId, status: 'inactive', minerAddress: null }),
    ]);

    const again = await tensornode(['deployments', 'allocate', '--miner', '0.0.602', '--name', 'two']);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`Reused VM ${vmId} for miner 0.0.602 (two)`);
    expect(await server.services.vmProvider.list()).toHaveLength(1);
  });

  it('names the bad field, and reports refusals and unknown VMs in one line', {
    timeout: 60_000,
  }, async () => {
    const bad = await tensornode(['deployments', 'allocate', '--miner', 'alice', '--name', 'x']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: .*minerAddress.*Hedera account/m);

    const viewer = { TENSORNODE_URL: server.url, TENSORNODE_TOKEN: server.tokenFor('viewer') };
    const refused = await tensornode(['deployments', 'release', 'local-000000000000'], viewer);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: This needs the operator role; your token has viewer/m);

    const unknown = await tensornode(['deployments', 'release', 'local-000000000000']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: VM local-000000000000 has no deployment record/m);
    for (const result of [bad, refused, unknown]) expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
