import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isProcessAlive } from './process-alive.ts';

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await sleep(50);
  }
  return condition();
}

describe('local VM provider in a process that is killed', () => {
  it('takes its miners down with it', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tensornode-local-vms-kill-'));
    try {
      const script = join(dir, 'host.mts');
      const url = (relative: string) => pathToFileURL(fileURLToPath(new URL(relative, import.meta.url))).href;
      writeFileSync(
        script,
        [
          `import { openDatabase } from '${url('../../../../db/src/index.ts')}';`,
          `import { silentLogger } from '${url('../../context.ts')}';`,
          `import { createLocalProvider } from '${url('./provider.ts')}';`,
          `const { db } = openDatabase({ path: ${JSON.stringify(join(dir, 'db.sqlite'))} });`,
          'const provider = createLocalProvider({ db, log: silentLogger });',
          `const [vm] = await provider.deploy({ instances: 1, vmConfiguration: { name: 'x', openPorts: [], osImage: 'local', sshKeys: [] } });`,
          'await provider.whenActive(vm.vmId);',
          'process.stdout.write(String(provider.pidOf(vm.vmId)) + "\\n");',
          'setInterval(() => {}, 1000);',
        ].join('\n'),
      );
      const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
      const host = spawn(process.execPath, ['--import', tsx, script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const minerPid = await new Promise<number>((resolve, reject) => {
        let out = '';
        host.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('\n')) resolve(Number(out.trim()));
        });
        host.once('exit', (code) => reject(new Error(`host exited early (${code})`)));
      });
      expect(isProcessAlive(minerPid)).toBe(true);

      host.kill('SIGKILL');
      expect(await waitUntil(() => !isProcessAlive(minerPid), 10_000)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
