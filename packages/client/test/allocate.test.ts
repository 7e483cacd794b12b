import { randomBytes } from 'node:crypto';
import { startTestServer, type TestServer } from '@tensornode/api/testing';
import { type FluenceStandIn, startFluenceStandIn } from '@tensornode/core/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTensorNodeClient } from '../src/index.ts';

const POOL = 50;
const CALLS = 200;

let standIn: FluenceStandIn;
let server: TestServer;

beforeAll(async () => {
  const apiKey = randomBytes(24).toString('hex');
  standIn = await startFluenceStandIn({ apiKey, capacity: POOL + CALLS + 10 });
  server = await startTestServer({
    env: { VM_PROVIDER: 'fluence', FLUENCE_API_KEY: apiKey, FLUENCE_API_URL: standIn.url },
    rateLimits: { perMinute: 100_000, perHour: 100_000, deployPerMinute: 100_000 },
    startJobs: false,
  });
});
afterAll(async () => {
  await server?.stop();
  await standIn?.close();
});

describe('deployments.allocate under concurrency (Fluence stand-in)', () => {
  it(`${CALLS} simultaneous calls against ${POOL} inactive VMs: each VM handed out once, the rest newly deployed, nothing lost`, {
    timeout: 60_000,
  }, async () => {
    const admin = createTensorNodeClient({ url: server.url, token: server.tokenFor('admin') });
    await admin.keys.generate.mutate();
    // One HTTP request per call (no batching), as independent clients would send them.
    const operator = createTensorNodeClient({
      url: server.url,
      token: server.tokenFor('operator'),
      batch: false,
    });

    const pool = await operator.vms.deploy.mutate({ instances: POOL, walletAddress: '0.0.9000' });
    expect(pool.deployments).toHaveLength(POOL);
    expect(pool.deployments.every((d) => d.status === 'inactive' && d.walletAddress === '0.0.9000')).toBe(
      true,
    );
    const poolIds = new Set(pool.vms.map((v) => v.vmId));
    const deploysBefore = standIn.count('POST', '/vms/v3');

    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: CALLS }, (_, i) =>
        operator.deployments.allocate
          .mutate({ minerAddress: `0.0.${1000 + i}`, instanceName: `miner-${i}` })
          .then((answer) => ({ ...answer, ms: performance.now() - started })),
      ),
    );
    const elapsedMs = performance.now() - started;
    const slowestReuseMs = Math.max(...answers.filter((a) => a.reused).map((a) => a.ms));
    console.log(
      `allocation throughput: ${CALLS} concurrent deployments.allocate over HTTP (${POOL} reused, ${CALLS - POOL} deployed on the Fluence stand-in) in ${elapsedMs.toFixed(0)} ms = ${((CALLS / elapsedMs) * 1000).toFixed(0)} allocations/s; all ${POOL} reuses answered within ${slowestReuseMs.toFixed(0)} ms`,
    );

    const vmIds = answers.map((a) => a.deployment.vmId);
    expect(new Set(vmIds).size).toBe(CALLS); // no VM handed to two miners
    const reused = answers.filter((a) => a.reused);
    expect(reused).toHaveLength(POOL);
    expect(new Set(reused.map((a) => a.deployment.vmId))).toEqual(poolIds);
    expect(answers.filter((a) => !a.reused).every((a) => !poolIds.has(a.deployment.vmId))).toBe(true);
    expect(standIn.count('POST', '/vms/v3') - deploysBefore).toBe(CALLS - POOL);
    answers.forEach((a, i) => {
      expect(a.deployment).toMatchObject({
        status: 'active',
        minerAddress: `0.0.${1000 + i}`,
        instanceName: `miner-${i}`,
      });
    });

    // The database agrees with every answer, and every VM the provider rented has its record.
    const active = await operator.deployments.list.query({ status: 'active' });
    expect(active).toHaveLength(CALLS);
    const byVm = new Map(active.map((d) => [d.vmId, d]));
    answers.forEach((a) => {
      expect(byVm.get(a.deployment.vmId)?.minerAddress).toBe(a.deployment.minerAddress);
    });
    expect(await operator.deployments.list.query({ status: 'inactive' })).toEqual([]);
    expect(new Set(standIn.vms().map((vm) => vm.id))).toEqual(new Set(byVm.keys()));

    // Reused VMs keep the wallet that rented them; vms.list shows each VM with its miner.
    const listed = await operator.vms.list.query();
    expect(listed).toHaveLength(CALLS);
    for (const vm of listed) expect(vm.deployment?.minerAddress).toBe(byVm.get(vm.id)?.minerAddress);

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`tensornode_vm_deployments_total ${CALLS}\\b`));
  });
});
