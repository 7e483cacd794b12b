/**
 * Fluence client latency against the loopback stand-in (client and stand-in in this process).
 * For each call it measures the real client and, alternating with it, a bare undici request to the
 * same endpoint (no retries wrapper, no zod), so the client's own overhead shows.
 */
import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { startFluenceStandIn } from '../src/testkit/fluence-stand-in.ts';
import { createFluenceProvider } from '../src/vms/fluence/client.ts';
import type { DeployRequest } from '../src/vms/provider.ts';

const deployRequest: DeployRequest = {
  instances: 1,
  vmConfiguration: {
    name: 'bench-vm',
    openPorts: [{ port: 22, protocol: 'tcp' }],
    osImage: 'https://cloud-images.ubuntu.com/releases/22.04/release/ubuntu-22.04-server-cloudimg-amd64.img',
    sshKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKgJIjnDg1DjqOOxINs78oU3f7PJXIyq9uiNocNVhXNx bench'],
  },
};

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return `p50 ${at(0.5).toFixed(2)} ms  p95 ${at(0.95).toFixed(2)} ms  mean ${mean.toFixed(2)} ms  (n=${sorted.length})`;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

export async function run(): Promise<void> {
  const apiKey = randomBytes(24).toString('hex');
  const standIn = await startFluenceStandIn({ apiKey, capacity: 1_000_000 });
  const fluence = createFluenceProvider({ apiKey, baseUrl: standIn.url });
  const bare = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await request(`${standIn.url}${path}`, {
      method,
      headers: { 'X-API-KEY': apiKey, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return res.body.json();
  };
  try {
    for (let i = 0; i < 50; i++) await fluence.list(); // warm-up

    const deployClient: number[] = [];
    const deployBare: number[] = [];
    for (let i = 0; i < 300; i++) {
      deployClient.push(await timed(() => fluence.deploy(deployRequest)));
      deployBare.push(await timed(() => bare('POST', '/vms/v3', deployRequest)));
    }
    console.log(`deploy (1 instance)   client  ${summary(deployClient)}`);
    console.log(`deploy (1 instance)   bare    ${summary(deployBare)}`);

    for (const target of [10, 100, 1000]) {
      const toDelete = standIn.vms().slice(target);
      if (toDelete.length > 0) await fluence.delete(toDelete.map((v) => v.id));
      while (standIn.vms().length < target) await fluence.deploy(deployRequest);
      const client: number[] = [];
      const bareSamples: number[] = [];
      const rounds = target >= 1000 ? 60 : 200;
      for (let i = 0; i < rounds; i++) {
        client.push(await timed(() => fluence.list()));
        bareSamples.push(await timed(() => bare('GET', '/vms/v3')));
      }
      console.log(`list (${String(target).padStart(4)} VMs)       client  ${summary(client)}`);
      console.log(`list (${String(target).padStart(4)} VMs)       bare    ${summary(bareSamples)}`);
      if (target === 100) {
        // Both ends share this one thread, so this bounds the pair, not the client alone.
        const calls = 200;
        const start = performance.now();
        await Promise.all(Array.from({ length: calls }, () => fluence.list()));
        const perSecond = calls / ((performance.now() - start) / 1000);
        console.log(`list (100 VMs), ${calls} calls at once: ${perSecond.toFixed(0)} calls/s`);
      }
    }
  } finally {
    await fluence.close();
    await standIn.close();
  }
}
